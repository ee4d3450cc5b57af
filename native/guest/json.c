#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_init(struct json *j)
{
	memset(j, 0, sizeof(*j));
}

void json_free(struct json *j)
{
	free(j->buf);
	json_init(j);
}

static void put(struct json *j, const char *s, size_t n)
{
	if (j->failed)
		return;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 256;
		char *bigger;

		while (j->len + n + 1 > cap)
			cap *= 2;
		bigger = realloc(j->buf, cap);
		if (!bigger) {
			j->failed = true;
			return;
		}
		j->buf = bigger;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void put_str(struct json *j, const char *s)
{
	put(j, s, strlen(s));
}

/* Emit the separator a new element needs, unless it follows a key. */
static void element_prefix(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0) {
		if (!j->first[j->depth])
			put(j, ",", 1);
		j->first[j->depth] = false;
	}
}

static void open_container(struct json *j, char c)
{
	element_prefix(j);
	put(j, &c, 1);
	if (j->depth + 1 >= JSON_MAX_DEPTH) {
		j->failed = true;
		return;
	}
	j->depth++;
	j->first[j->depth] = true;
}

static void close_container(struct json *j, char c)
{
	put(j, &c, 1);
	if (j->depth > 0)
		j->depth--;
}

void json_object_begin(struct json *j) { open_container(j, '{'); }
void json_object_end(struct json *j) { close_container(j, '}'); }
void json_array_begin(struct json *j) { open_container(j, '['); }
void json_array_end(struct json *j) { close_container(j, ']'); }

/* Length of the valid UTF-8 sequence starting at s (at most n bytes), or 0
 * when the bytes there are not valid UTF-8 (overlongs and surrogates too). */
static size_t utf8_sequence_len(const unsigned char *s, size_t n)
{
	size_t need;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return need;
}

size_t json_utf8_incomplete_tail(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	/* Find the last byte that is not a continuation byte, within the
	 * longest possible sequence. */
	for (size_t back = 1; back <= 3 && back <= n; back++) {
		unsigned char c = p[n - back];
		size_t need;

		if ((c & 0xc0) == 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf)
			need = 2;
		else if (c >= 0xe0 && c <= 0xef)
			need = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 4;
		else
			return 0; /* ASCII or a byte no sequence starts with */
		return need > back ? back : 0;
	}
	return 0;
}

void json_string_n(struct json *j, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	element_prefix(j);
	put(j, "\"", 1);
	while (i < n) {
		unsigned char c = p[i];
		char esc[8];
		size_t seq;

		switch (c) {
		case '"': put(j, "\\\"", 2); i++; continue;
		case '\\': put(j, "\\\\", 2); i++; continue;
		case '\n': put(j, "\\n", 2); i++; continue;
		case '\r': put(j, "\\r", 2); i++; continue;
		case '\t': put(j, "\\t", 2); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put_str(j, esc);
			i++;
			continue;
		}
		seq = utf8_sequence_len(p + i, n - i);
		if (seq == 0) {
			put_str(j, "\\ufffd");
			i++;
			continue;
		}
		put(j, s + i, seq);
		i += seq;
	}
	put(j, "\"", 1);
}

void json_string(struct json *j, const char *s)
{
	json_string_n(j, s, strlen(s));
}

void json_key(struct json *j, const char *key)
{
	json_string(j, key);
	put(j, ":", 1);
	j->after_key = true;
}

void json_int(struct json *j, long long v)
{
	char num[32];

	element_prefix(j);
	snprintf(num, sizeof(num), "%lld", v);
	put_str(j, num);
}

void json_uint(struct json *j, unsigned long long v)
{
	char num[32];

	element_prefix(j);
	snprintf(num, sizeof(num), "%llu", v);
	put_str(j, num);
}

void json_bool(struct json *j, bool v)
{
	element_prefix(j);
	put_str(j, v ? "true" : "false");
}

void json_null(struct json *j)
{
	element_prefix(j);
	put_str(j, "null");
}

void json_kv_string(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j, s);
}

void json_kv_int(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kv_uint(struct json *j, const char *key, unsigned long long v)
{
	json_key(j, key);
	json_uint(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

void json_kv_null(struct json *j, const char *key)
{
	json_key(j, key);
	json_null(j);
}
