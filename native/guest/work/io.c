/* The I/O work types and their files. The guest has no disk: files live on
 * a tmpfs, so the blocking is the page cache's and the syscalls', not a
 * device's. O_DIRECT is used where the filesystem accepts it (tmpfs does
 * since Linux 6.6); elsewhere the worker's note says it was left out. */
#include "work/batch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK 4096
#define DEFAULT_IO_ROOT "/ktstr/io"

static const char *io_root = DEFAULT_IO_ROOT;

void work_set_io_root(const char *dir)
{
	io_root = dir;
}

static int mkdir_p(const char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static bool is_mount_point(const char *dir)
{
	char parent[300];
	struct stat self, up;

	snprintf(parent, sizeof(parent), "%s/..", dir);
	return stat(dir, &self) == 0 && stat(parent, &up) == 0 && self.st_dev != up.st_dev;
}

int work_io_prepare(struct work_batch *b, char *err, size_t err_size)
{
	int rc;

	snprintf(b->io_dir, sizeof(b->io_dir), "%s", io_root);
	rc = mkdir_p(b->io_dir);
	if (rc != 0) {
		snprintf(err, err_size, "I/O directory %s: %s", b->io_dir, strerror(-rc));
		return -1;
	}
	/* Only the agent's own root is mounted here, once, on first use: a
	 * directory on the same device as its parent is not a mount yet. */
	if (strcmp(io_root, DEFAULT_IO_ROOT) == 0 && !is_mount_point(b->io_dir) &&
	    mount("tmpfs", b->io_dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0) {
		snprintf(err, err_size, "mount tmpfs on %s: %s", b->io_dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* <io_dir>/<cgroup>-<worker>, the worker numbered within its definition so
 * batches of one cgroup never share a file; '/' of nested names becomes '_'. */
void work_io_path(const struct work_batch *b, int index, char *path, size_t size)
{
	char name[256];

	snprintf(name, sizeof(name), "%s", b->cgroup[0] ? b->cgroup : "worker");
	for (char *p = name; *p; p++)
		if (*p == '/')
			*p = '_';
	snprintf(path, size, "%s/%s-%d", b->io_dir, name, b->env.first_index + index);
}

void work_io_cleanup(struct work_batch *b)
{
	char path[600];

	for (int i = 0; i < b->n; i++) {
		work_io_path(b, i, path, sizeof(path));
		unlink(path);
	}
}

/* Write real data (not a hole) so reads find pages. */
static int fill_file(const char *path, size_t bytes)
{
	char chunk[BLOCK * 16];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	memset(chunk, 0x5a, sizeof(chunk));
	for (size_t off = 0; off < bytes; off += sizeof(chunk)) {
		size_t len = bytes - off < sizeof(chunk) ? bytes - off : sizeof(chunk);

		if (pwrite(fd, chunk, len, (off_t)off) != (ssize_t)len) {
			int rc = -errno;

			close(fd);
			return rc ? rc : -EIO;
		}
	}
	close(fd);
	return 0;
}

int work_io_open(struct work_ctx *ctx, int extra_flags, size_t bytes)
{
	char path[600];
	int fd, rc;

	work_io_path(ctx->batch, ctx->index, path, sizeof(path));
	rc = fill_file(path, bytes);
	if (rc != 0) {
		snprintf(ctx->note, sizeof(ctx->note), "create %.80s: %s", path, strerror(-rc));
		return rc;
	}
	fd = open(path, O_RDWR | O_CLOEXEC | O_DIRECT | extra_flags);
	if (fd < 0 && errno == EINVAL) {
		snprintf(ctx->note, sizeof(ctx->note), "O_DIRECT unsupported on %.60s: buffered I/O",
			 ctx->batch->io_dir);
		fd = open(path, O_RDWR | O_CLOEXEC | extra_flags);
	}
	if (fd < 0) {
		rc = -errno;
		snprintf(ctx->note, sizeof(ctx->note), "open %.80s: %s", path, strerror(errno));
		return rc;
	}
	return fd;
}

struct io_state {
	int fd;
	void *block; /* aligned for O_DIRECT */
	size_t blocks;
	size_t cursor;
	uint64_t rng;
	uint64_t done;
};

static int io_init(struct work_ctx *ctx, int extra_flags, size_t blocks)
{
	struct io_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	st->fd = -1;
	ctx->state = st;
	st->blocks = blocks;
	st->rng = 0x2545f4914f6cdd1dull ^ ((uint64_t)ctx->index << 32) ^ (uint64_t)getpid();
	if (posix_memalign(&st->block, BLOCK, BLOCK) != 0)
		return -ENOMEM;
	memset(st->block, 0xa5, BLOCK);
	st->fd = work_io_open(ctx, extra_flags, blocks * BLOCK);
	return st->fd < 0 ? st->fd : 0;
}

static void io_fini(struct work_ctx *ctx)
{
	struct io_state *st = ctx->state;

	if (!st)
		return;
	if (st->fd >= 0)
		close(st->fd);
	free(st->block);
	free(st);
	ctx->state = NULL;
}

static void note_io_error(struct work_ctx *ctx, const char *what)
{
	if (!ctx->note[0])
		snprintf(ctx->note, sizeof(ctx->note), "%s: %s", what, strerror(errno));
}

/* ---- io_sync_write ---- */

static int io_sync_write_init(struct work_ctx *ctx)
{
	return io_init(ctx, O_SYNC, (size_t)WORK_PARAM(ctx, 0));
}

static bool io_sync_write_iteration(struct work_ctx *ctx)
{
	struct io_state *st = ctx->state;

	for (size_t i = 0; i < st->blocks; i++) {
		if (pwrite(st->fd, st->block, BLOCK, (off_t)(i * BLOCK)) != BLOCK)
			note_io_error(ctx, "pwrite");
		if (work_stopped(ctx))
			return false;
	}
	if (fdatasync(st->fd) != 0)
		note_io_error(ctx, "fdatasync");
	return true;
}

const struct work_type_ops work_ops_io_sync_write = {
	.worker_init = io_sync_write_init,
	.iteration = io_sync_write_iteration,
	.worker_fini = io_fini,
	.needs_io_dir = true,
};

/* ---- io_rand_read ---- */

/* io_rand_read and io_convoy: a file of file_kb (at least one block). */
static int file_init(struct work_ctx *ctx)
{
	size_t blocks = (size_t)WORK_PARAM(ctx, 0) * 1024 / BLOCK;

	return io_init(ctx, 0, blocks > 0 ? blocks : 1);
}

static bool random_read(struct work_ctx *ctx, struct io_state *st)
{
	off_t off = (off_t)(work_random(&st->rng) % st->blocks * BLOCK);

	if (pread(st->fd, st->block, BLOCK, off) != BLOCK) {
		note_io_error(ctx, "pread");
		return false;
	}
	return true;
}

static bool io_rand_read_iteration(struct work_ctx *ctx)
{
	random_read(ctx, ctx->state);
	return true;
}

const struct work_type_ops work_ops_io_rand_read = {
	.worker_init = file_init,
	.iteration = io_rand_read_iteration,
	.worker_fini = io_fini,
	.needs_io_dir = true,
};

/* ---- io_convoy ---- */

static bool io_convoy_iteration(struct work_ctx *ctx)
{
	struct io_state *st = ctx->state;

	if (pwrite(st->fd, st->block, BLOCK, (off_t)(st->cursor * BLOCK)) != BLOCK)
		note_io_error(ctx, "pwrite");
	st->cursor = (st->cursor + 1) % st->blocks;
	random_read(ctx, st);
	if (++st->done % (uint64_t)WORK_PARAM(ctx, 1) == 0 && fdatasync(st->fd) != 0)
		note_io_error(ctx, "fdatasync");
	return true;
}

const struct work_type_ops work_ops_io_convoy = {
	.worker_init = file_init,
	.iteration = io_convoy_iteration,
	.worker_fini = io_fini,
	.needs_io_dir = true,
};
