#include "host_requests.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "entropy.h"
#include "frame_payload.h"
#include "guest_files.h"
#include "log.h"
#include "messages.h"
#include "phases.h"

/* "what: message" of the first failure. */
static char first_failure[576];

static void request_failed(const char *what, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void request_failed(const char *what, int err, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	msg_error(what, err, "%s", message);
	if (!first_failure[0])
		snprintf(first_failure, sizeof(first_failure), "%s: %s", what, message);
}

static void put_file(const struct frame *f)
{
	static struct put_file_request req; /* PATH_MAX inside: not on the stack */
	char problem[PATH_MAX + 128], step[PATH_MAX + 64];
	int err;

	if (payload_parse_put_file(f->payload, f->len, &req, problem, sizeof(problem)) != 0) {
		request_failed("file", EINVAL, "put file: %s", problem);
		return;
	}
	err = guest_put_file(req.path, (mode_t)req.mode, req.content, req.content_len, step,
			     sizeof(step));
	if (err) {
		request_failed("file", -err, "put file %s: %s: %s", req.path, step, strerror(-err));
		return;
	}
	agent_log("file %s (0%o, %zu bytes)", req.path, req.mode, req.content_len);
}

static void put_symlink(const struct frame *f)
{
	static struct symlink_request req;
	char problem[PATH_MAX + 128], step[PATH_MAX + 64];
	int err;

	if (payload_parse_symlink(f->payload, f->len, &req, problem, sizeof(problem)) != 0) {
		request_failed("file", EINVAL, "symlink: %s", problem);
		return;
	}
	err = guest_put_symlink(req.path, req.target, step, sizeof(step));
	if (err) {
		request_failed("file", -err, "symlink %s: %s: %s", req.path, step, strerror(-err));
		return;
	}
	agent_log("symlink %s -> %s", req.path, req.target);
}

static void reseed(const struct frame *f)
{
	char problem[128];
	const char *step;
	int err;

	if (payload_check_entropy(f->len, problem, sizeof(problem)) != 0) {
		request_failed("entropy", EINVAL, "%s", problem);
		return;
	}
	err = entropy_credit(f->payload, f->len, &step);
	if (err) {
		request_failed("entropy", -err, "%s: %s", step, strerror(-err));
		return;
	}
	agent_log("entropy: %u bytes from the host credited, generator reseeded", f->len);
}

static void set_wall_clock(const struct frame *f)
{
	char problem[128];
	uint64_t ns;
	int err;

	if (payload_parse_wall_clock(f->payload, f->len, &ns, problem, sizeof(problem)) != 0) {
		request_failed("clock", EINVAL, "%s", problem);
		return;
	}
	err = clock_set_wall_ns(ns);
	if (err) {
		request_failed("clock", -err, "clock_settime(CLOCK_REALTIME, %llu ns): %s",
			       (unsigned long long)ns, strerror(-err));
		return;
	}
	agent_log("wall clock set to %llu.%09llu s since the epoch",
		  (unsigned long long)(ns / 1000000000ull), (unsigned long long)(ns % 1000000000ull));
}

/* Not logged: the host may ping often, to time round trips. */
static void pong(const struct frame *f)
{
	char problem[128];
	struct json j;

	if (payload_check_token(f->len, problem, sizeof(problem)) != 0) {
		request_failed("ping", EINVAL, "%s", problem);
		return;
	}
	msg_begin(&j, "pong");
	json_key(&j, "token");
	json_string_n(&j, f->payload, f->len);
	msg_send(&j);
}

bool host_request_is(uint8_t kind)
{
	return kind == FRAME_PUT_FILE || kind == FRAME_SYMLINK || kind == FRAME_ENTROPY ||
	       kind == FRAME_WALL_CLOCK || kind == FRAME_PING;
}

void host_request_handle(const struct frame *f)
{
	switch (f->kind) {
	case FRAME_PUT_FILE:
		put_file(f);
		phase_mark("file put");
		break;
	case FRAME_SYMLINK:
		put_symlink(f);
		phase_mark("symlink put");
		break;
	case FRAME_ENTROPY:
		reseed(f);
		phase_mark("entropy credited");
		break;
	case FRAME_WALL_CLOCK:
		set_wall_clock(f);
		phase_mark("wall clock set");
		break;
	case FRAME_PING:
		pong(f);
		phase_mark("pong sent");
		break;
	default:
		break;
	}
}

const char *host_requests_failure(void)
{
	return first_failure;
}

bool host_requests_failed(void)
{
	return first_failure[0] != '\0';
}
