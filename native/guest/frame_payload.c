#include "frame_payload.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int invalid(char *problem, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int invalid(char *problem, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static uint32_t get_u32(const char *p)
{
	const unsigned char *b = (const unsigned char *)p;

	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static bool component_is(const char *c, size_t n, const char *name)
{
	return n == strlen(name) && memcmp(c, name, n) == 0;
}

int payload_check_path(const char *path, size_t len, char *problem, size_t size)
{
	size_t start;

	if (len == 0)
		return invalid(problem, size, "empty path");
	if (len >= PATH_MAX)
		return invalid(problem, size, "path of %zu bytes exceeds %d", len, PATH_MAX - 1);
	if (memchr(path, '\0', len))
		return invalid(problem, size, "path contains a NUL byte");
	/* From here on the path is printable as %.*s. */
	if (path[0] != '/')
		return invalid(problem, size, "path %.*s is not absolute", (int)len, path);
	/* ".." could climb out of where the host meant to write; "." and an
	 * empty last component would name a directory, not a new file. */
	for (start = 1; start <= len;) {
		const char *end = memchr(path + start, '/', len - start);
		size_t n = end ? (size_t)(end - (path + start)) : len - start;

		if (component_is(path + start, n, ".."))
			return invalid(problem, size, "path %.*s has a '..' component", (int)len, path);
		if (!end && (n == 0 || component_is(path + start, n, ".")))
			return invalid(problem, size, "path %.*s does not end in a file name",
				       (int)len, path);
		start += n + 1;
	}
	return 0;
}

/* The leading u32 path length and the path. Returns the offset after the
 * path, or -EINVAL. */
static long parse_path(const char *payload, size_t len, char *path, const char *kind,
		       char *problem, size_t size)
{
	uint32_t path_len;
	int err;

	if (len < 4)
		return invalid(problem, size, "'%s' payload of %zu bytes has no path length",
			       kind, len);
	path_len = get_u32(payload);
	if (path_len > len - 4)
		return invalid(problem, size, "'%s' path length %u exceeds the %zu bytes after it",
			       kind, path_len, len - 4);
	err = payload_check_path(payload + 4, path_len, problem, size);
	if (err)
		return err;
	memcpy(path, payload + 4, path_len);
	path[path_len] = '\0';
	return 4 + (long)path_len;
}

int payload_parse_put_file(const char *payload, size_t len, struct put_file_request *out,
			   char *problem, size_t size)
{
	long off = parse_path(payload, len, out->path, "F", problem, size);

	if (off < 0)
		return (int)off;
	if (len - (size_t)off < 4)
		return invalid(problem, size, "%s: 'F' payload ends before the mode", out->path);
	out->mode = get_u32(payload + off);
	if (out->mode & ~PAYLOAD_MODE_BITS)
		return invalid(problem, size, "%s: mode 0%o has bits outside 07777", out->path,
			       out->mode);
	off += 4;
	out->content = payload + off;
	out->content_len = len - (size_t)off;
	return 0;
}

int payload_parse_symlink(const char *payload, size_t len, struct symlink_request *out,
			  char *problem, size_t size)
{
	long off = parse_path(payload, len, out->path, "L", problem, size);
	size_t target_len;

	if (off < 0)
		return (int)off;
	target_len = len - (size_t)off;
	/* The target is stored as it is (relative targets and ".." are
	 * fine: they are resolved when the link is followed). */
	if (target_len == 0)
		return invalid(problem, size, "%s: empty link target", out->path);
	if (target_len >= PATH_MAX)
		return invalid(problem, size, "%s: link target of %zu bytes exceeds %d", out->path,
			       target_len, PATH_MAX - 1);
	if (memchr(payload + off, '\0', target_len))
		return invalid(problem, size, "%s: link target contains a NUL byte", out->path);
	memcpy(out->target, payload + off, target_len);
	out->target[target_len] = '\0';
	return 0;
}

int payload_check_entropy(size_t len, char *problem, size_t size)
{
	if (len < PAYLOAD_ENTROPY_MIN || len > PAYLOAD_ENTROPY_MAX)
		return invalid(problem, size, "'R' payload of %zu bytes: want %d..%d random bytes",
			       len, PAYLOAD_ENTROPY_MIN, PAYLOAD_ENTROPY_MAX);
	return 0;
}

int payload_parse_wall_clock(const char *payload, size_t len, uint64_t *ns,
			     char *problem, size_t size)
{
	if (len != 8)
		return invalid(problem, size, "'T' payload of %zu bytes: want a u64 (8 bytes)", len);
	*ns = (uint64_t)get_u32(payload) | (uint64_t)get_u32(payload + 4) << 32;
	return 0;
}

int payload_check_token(size_t len, char *problem, size_t size)
{
	if (len > PAYLOAD_TOKEN_MAX)
		return invalid(problem, size, "'P' token of %zu bytes exceeds %d", len,
			       PAYLOAD_TOKEN_MAX);
	return 0;
}
