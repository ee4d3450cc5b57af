#include "output_stream.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "messages.h"

/* Chunks per output_stream_pump() call: 64 KiB, a full default pipe. */
#define PUMP_MAX_CHUNKS 4

void output_stream_init(struct output_stream *o, int fd, const char *name)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->name = name;
}

bool output_stream_is_open(const struct output_stream *o)
{
	return o->fd >= 0;
}

static void send_output(const struct output_stream *o, const char *data, size_t len)
{
	struct json j;

	if (len == 0)
		return;
	msg_begin(&j, "output");
	json_kv_string(&j, "stream", o->name);
	json_key(&j, "data");
	json_string_n(&j, data, len); /* invalid UTF-8 becomes U+FFFD */
	msg_send(&j);
}

void output_stream_close(struct output_stream *o)
{
	if (o->fd < 0)
		return;
	send_output(o, o->held, o->held_len);
	o->held_len = 0;
	close(o->fd);
	o->fd = -1;
}

void output_stream_pump(struct output_stream *o)
{
	static char buf[OUTPUT_CHUNK_BYTES];

	for (int chunk = 0; chunk < PUMP_MAX_CHUNKS && o->fd >= 0; chunk++) {
		size_t len = o->held_len, hold;
		ssize_t n;

		memcpy(buf, o->held, o->held_len);
		do {
			n = read(o->fd, buf + len, sizeof(buf) - len);
		} while (n < 0 && errno == EINTR);
		if (n < 0) {
			if (errno == EAGAIN)
				return;
			agent_log("read command %s: %s", o->name, strerror(errno));
			output_stream_close(o);
			return;
		}
		if (n == 0) {
			output_stream_close(o);
			return;
		}
		len += (size_t)n;
		hold = json_utf8_incomplete_tail(buf, len);
		send_output(o, buf, len - hold);
		memcpy(o->held, buf + len - hold, hold);
		o->held_len = hold;
	}
}
