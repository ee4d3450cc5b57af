#include "collect.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base64.h"
#include "file_io.h"
#include "json.h"
#include "log.h"
#include "messages.h"

struct collect {
	int sent;
	bool failed;
};

static void send_file(struct collect *c, const char *path, const struct stat *st)
{
	size_t len = 0;
	char *data, *b64;
	struct json j;

	if ((size_t)st->st_size > COLLECT_MAX_FILE_BYTES) {
		msg_error("collect", EFBIG, "%s: %lld bytes, more than the %u a file may have",
			  path, (long long)st->st_size, COLLECT_MAX_FILE_BYTES);
		c->failed = true;
		return;
	}
	if (c->sent >= COLLECT_MAX_FILES) {
		msg_error("collect", E2BIG, "%s: more than %d files to collect", path, COLLECT_MAX_FILES);
		c->failed = true;
		return;
	}
	data = read_whole_file(path, &len);
	if (!data) {
		msg_error("collect", errno, "read %s: %s", path, strerror(errno));
		c->failed = true;
		return;
	}
	b64 = malloc(base64_encoded_len(len));
	if (!b64) {
		free(data);
		msg_error("collect", ENOMEM, "%s: out of memory", path);
		c->failed = true;
		return;
	}
	base64_encode((const unsigned char *)data, len, b64);
	msg_begin(&j, "file");
	json_kv_string(&j, "path", path);
	json_kv_uint(&j, "size", len);
	json_kv_string(&j, "data_b64", b64);
	if (msg_send(&j))
		c->sent++;
	else
		c->failed = true;
	free(b64);
	free(data);
}

static void walk(struct collect *c, const char *dir, int depth)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort); /* sorted: a stable order */

	if (n < 0) {
		if (errno != ENOENT || depth > 0) {
			msg_error("collect", errno, "list %s: %s", dir, strerror(errno));
			c->failed = true;
		}
		return;
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char path[4096];
		struct stat st;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			goto next;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path) ||
		    lstat(path, &st) != 0)
			goto next;
		if (S_ISREG(st.st_mode))
			send_file(c, path, &st);
		else if (S_ISDIR(st.st_mode) && depth < COLLECT_MAX_DEPTH)
			walk(c, path, depth + 1);
next:
		free(names[i]);
	}
	free(names);
}

int collect_send_files(const char *dir)
{
	struct collect c = { 0 };

	walk(&c, dir, 0);
	agent_log("collect %s: %d file(s) sent%s", dir, c.sent, c.failed ? ", some failed" : "");
	return c.failed ? -1 : c.sent;
}
