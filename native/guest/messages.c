#include "messages.h"

#include <stdarg.h>
#include <stdio.h>

#include "channel.h"
#include "clock.h"
#include "log.h"

void msg_begin(struct json *j, const char *type)
{
	json_init(j);
	json_object_begin(j);
	json_kv_string(j, "type", type);
	json_kv_uint(j, "t_ms", clock_agent_ms());
}

bool msg_send(struct json *j)
{
	bool sent = false;

	json_object_end(j);
	if (j->failed)
		agent_log("out of memory building a message");
	else if (channel_is_open())
		sent = channel_send(FRAME_JSON, j->buf, j->len) == 0;
	json_free(j);
	return sent;
}

void msg_error(const char *what, int err, const char *fmt, ...)
{
	char message[1024];
	struct json j;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	agent_log("error: %s: %s", what, message);

	msg_begin(&j, "error");
	json_kv_string(&j, "what", what);
	json_kv_int(&j, "errno", err);
	json_kv_string(&j, "message", message);
	msg_send(&j);
}

void msg_done(bool ok, bool shutdown)
{
	struct json j;

	agent_log("done: ok=%s%s", ok ? "true" : "false", shutdown ? " (shutdown requested)" : "");
	msg_begin(&j, "done");
	json_kv_bool(&j, "ok", ok);
	if (shutdown)
		json_kv_bool(&j, "shutdown", true);
	msg_send(&j);
}
