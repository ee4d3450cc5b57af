#include "guest_files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_io.h"

/* Suffix of the temporary name "<dir>/.<name>.ktstr-tmp". A leftover from an
 * earlier failed attempt is simply replaced. */
#define TMP_SUFFIX ".ktstr-tmp"

static int fail(int err, char *step, size_t size, const char *what, const char *path)
{
	snprintf(step, size, "%s %s", what, path);
	return -err;
}

/* mkdir -p of everything before the last '/' of path. */
static int make_parents(const char *path, char *step, size_t size)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		/* An existing entry that is not a directory shows up as
		 * ENOTDIR at the next step, which names it well enough. */
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return fail(errno, step, size, "mkdir", dir);
		*slash = '/';
	}
	return 0;
}

static int temp_name(const char *path, char *tmp, size_t tmp_size, char *step, size_t size)
{
	const char *base = strrchr(path, '/') + 1; /* validated: absolute */
	int n = snprintf(tmp, tmp_size, "%.*s.%s" TMP_SUFFIX, (int)(base - path), path, base);

	if (n < 0 || (size_t)n >= tmp_size)
		return fail(ENAMETOOLONG, step, size, "temporary name for", path);
	if (unlink(tmp) != 0 && errno != ENOENT)
		return fail(errno, step, size, "unlink", tmp);
	return 0;
}

static int move_into_place(const char *tmp, const char *path, char *step, size_t size)
{
	int err;

	if (rename(tmp, path) == 0)
		return 0;
	err = fail(errno, step, size, "rename to", path);
	unlink(tmp);
	return err;
}

int guest_put_file(const char *path, mode_t mode, const void *content, size_t len,
		   char *step, size_t size)
{
	char tmp[PATH_MAX];
	int fd, err;

	err = make_parents(path, step, size);
	if (!err)
		err = temp_name(path, tmp, sizeof(tmp), step, size);
	if (err)
		return err;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(errno, step, size, "create", tmp);
	err = write_all(fd, content, len);
	if (err) {
		err = fail(-err, step, size, "write", tmp);
	} else if (fchmod(fd, mode) != 0) {
		/* open()'s mode is filtered by the umask; the host's is not. */
		err = fail(errno, step, size, "chmod", tmp);
	}
	/* No fsync: the root is a ramfs, there is no disk to reach. */
	if (close(fd) != 0 && !err)
		err = fail(errno, step, size, "close", tmp);
	if (err) {
		unlink(tmp);
		return err;
	}
	return move_into_place(tmp, path, step, size);
}

int guest_put_symlink(const char *path, const char *target, char *step, size_t size)
{
	char tmp[PATH_MAX];
	int err;

	err = make_parents(path, step, size);
	if (!err)
		err = temp_name(path, tmp, sizeof(tmp), step, size);
	if (err)
		return err;
	if (symlink(target, tmp) != 0)
		return fail(errno, step, size, "symlink", tmp);
	return move_into_place(tmp, path, step, size);
}
