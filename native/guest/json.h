/* A small streaming JSON emitter into a growable buffer.
 *
 * Strings are escaped per RFC 8259 and forced to valid UTF-8 (invalid bytes
 * become U+FFFD), because scheduler output and kernel log lines are arbitrary
 * bytes and the host must always be able to parse what we send.
 *
 * Commas are handled by the writer: call json_key() then one value function
 * inside objects, or value functions directly inside arrays. Allocation
 * failure is sticky (json.failed) so callers check once, at the end. */
#ifndef KTSTR_JSON_H
#define KTSTR_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 16

struct json {
	char *buf;
	size_t len;
	size_t cap;
	bool failed;
	int depth;
	bool after_key;
	bool first[JSON_MAX_DEPTH];
};

void json_init(struct json *j);
void json_free(struct json *j);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);

void json_key(struct json *j, const char *key);

void json_string(struct json *j, const char *s);
void json_string_n(struct json *j, const char *s, size_t n);
void json_int(struct json *j, long long v);
void json_uint(struct json *j, unsigned long long v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* How many bytes at the end of s[0..n) are the start of a UTF-8 sequence
 * that continues past n (0..3). A reader of a byte stream holds them back
 * for the next chunk, so that a character split by a read() is not replaced
 * by U+FFFD twice. */
size_t json_utf8_incomplete_tail(const char *s, size_t n);

/* key + value shorthands for objects. */
void json_kv_string(struct json *j, const char *key, const char *s);
void json_kv_int(struct json *j, const char *key, long long v);
void json_kv_uint(struct json *j, const char *key, unsigned long long v);
void json_kv_bool(struct json *j, const char *key, bool v);
void json_kv_null(struct json *j, const char *key);

#endif
