/* Small-file helpers for /proc, /sys and the agent's own files, plus a write
 * loop that survives partial writes and EINTR. */
#ifndef KTSTR_FILE_IO_H
#define KTSTR_FILE_IO_H

#include <stddef.h>
#include <sys/types.h>

/* Write all of buf to fd. Returns 0, or -errno. */
int write_all(int fd, const void *buf, size_t len);

/* Read a whole small file into buf (always NUL-terminated).
 * Returns the number of bytes read, or -errno. */
ssize_t read_small_file(const char *path, char *buf, size_t size);

/* Like read_small_file(), then strip trailing whitespace (sysfs newlines). */
ssize_t read_trimmed(const char *path, char *buf, size_t size);

/* Read a file holding one integer. Returns 0, or -errno (-EINVAL if garbled). */
int read_long(const char *path, long *value);

/* Read a whole file of any size into a malloc'd NUL-terminated buffer.
 * Returns NULL and sets errno on failure. */
char *read_whole_file(const char *path, size_t *len_out);

/* Read at most the last max_bytes of a file into a malloc'd NUL-terminated
 * buffer. Returns NULL and sets errno on failure. */
char *read_file_tail(const char *path, size_t max_bytes, size_t *len_out);

/* Write a string to a file (sysfs/cgroupfs style: one write() call).
 * Returns 0, or -errno. */
int write_string(const char *path, const char *value);

#endif
