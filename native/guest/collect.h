/* Files back to the host: after the scheduler has stopped and before `done`,
 * a cell with `collect DIR` gets every regular file under DIR as a `file`
 * message (path, size, content in base64). What it is for: the .gcda files a
 * coverage build of the scheduler writes when it exits (docs/coverage.md). */
#ifndef KTSTR_COLLECT_H
#define KTSTR_COLLECT_H

/* A file's content must fit a frame (16 MiB) after base64 (4/3). */
#define COLLECT_MAX_FILE_BYTES (8u << 20)
#define COLLECT_MAX_FILES 1024
#define COLLECT_MAX_DEPTH 32

/* Send the files under dir (recursively; symlinks and special files are
 * skipped). A missing dir sends nothing: the program may not have written
 * anything. A file that cannot be read or is too large is an `error` with
 * what "collect"; the others are still sent. Returns the number of files
 * sent, or -1 when anything failed. */
int collect_send_files(const char *dir);

#endif
