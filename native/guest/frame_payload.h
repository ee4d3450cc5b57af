/* Payload layouts of the host's request frames 'F', 'L', 'R', 'T' and 'P'
 * (docs/guest-protocol.md, "Request frames") and their validation. Pure
 * functions of the bytes, so the host-side unit checks cover them; acting
 * on a request is host_requests.c. Integers are little-endian. */
#ifndef KTSTR_FRAME_PAYLOAD_H
#define KTSTR_FRAME_PAYLOAD_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define PAYLOAD_ENTROPY_MIN 32
#define PAYLOAD_ENTROPY_MAX 512
#define PAYLOAD_TOKEN_MAX 64
/* The permission bits a put file may carry (including setuid/setgid/sticky). */
#define PAYLOAD_MODE_BITS 07777u

/* 'F': u32 path length | path | u32 mode | content (the rest). */
struct put_file_request {
	char path[PATH_MAX]; /* NUL-terminated copy, validated */
	uint32_t mode;
	const char *content; /* points into the payload */
	size_t content_len;
};

/* 'L': u32 path length | path | link target (the rest). */
struct symlink_request {
	char path[PATH_MAX];
	char target[PATH_MAX];
};

/* Every parser returns 0, or -EINVAL with a description of the first
 * problem in problem[size] (the path is named once it could be read). */

/* A path the agent may create: absolute, no NUL, no ".." component, at
 * most PATH_MAX - 1 bytes, ending in a name (not "/", "." or ".."). */
int payload_check_path(const char *path, size_t len, char *problem, size_t size);

int payload_parse_put_file(const char *payload, size_t len, struct put_file_request *out,
			   char *problem, size_t size);

int payload_parse_symlink(const char *payload, size_t len, struct symlink_request *out,
			  char *problem, size_t size);

/* 'R': PAYLOAD_ENTROPY_MIN..PAYLOAD_ENTROPY_MAX random bytes. */
int payload_check_entropy(size_t len, char *problem, size_t size);

/* 'T': u64 nanoseconds since the Unix epoch, exactly 8 bytes. */
int payload_parse_wall_clock(const char *payload, size_t len, uint64_t *ns,
			     char *problem, size_t size);

/* 'P': an opaque token of at most PAYLOAD_TOKEN_MAX bytes. */
int payload_check_token(size_t len, char *problem, size_t size);

#endif
