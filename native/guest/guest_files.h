/* Placing files and symlinks the host sends ('F' and 'L' frames) into the
 * guest's root file system (the initramfs, a ramfs). Each entry appears
 * whole or not at all: it is built under a temporary name in its directory
 * and renamed into place, so a program never sees a half-written file and an
 * existing file or link at the path is replaced in one step. */
#ifndef KTSTR_GUEST_FILES_H
#define KTSTR_GUEST_FILES_H

#include <stddef.h>
#include <sys/types.h>

/* Write a regular file with exactly these permission bits (the umask does not
 * apply), creating missing parent directories (0755). Returns 0, or -errno
 * with the failed step (e.g. "mkdir /usr/lib") in step[size]. */
int guest_put_file(const char *path, mode_t mode, const void *content, size_t len,
		   char *step, size_t size);

/* Make path a symlink to target, replacing what is there, creating missing
 * parent directories. Returns 0, or -errno with the failed step. */
int guest_put_symlink(const char *path, const char *target, char *step, size_t size);

#endif
