#include "messages.h"

#include <stdarg.h>
#include <stdio.h>

#include "channel.h"
#include "clock.h"
#include "log.h"
#include "phases.h"

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
	phases_append(&j);
	msg_send(&j);
}

/* What follows the op's cgroup on its line, as text (spawn: the count in
 * effect); NULL for none: the message then has no "arg". */
static const char *op_arg(const struct cell *cell, const struct cell_op *op, char *buf, size_t size)
{
	switch (op->kind) {
	case CELL_OP_SET_CPUSET:
	case CELL_OP_SET_AFFINITY:
		return op->cpus;
	case CELL_OP_SWAP_CPUSET:
	case CELL_OP_MOVE:
		return cell->cgroups[op->other].name;
	case CELL_OP_SPAWN:
	case CELL_OP_STOP:
		if (op->count == CELL_COUNT_ALL)
			return "all";
		snprintf(buf, size, "%d", op->count);
		return buf;
	case CELL_OP_ADD:
	case CELL_OP_REMOVE:
	case CELL_OP_CLEAR_CPUSET:
		break;
	}
	return NULL;
}

void msg_event(int step, const struct cell *cell, const struct cell_op *op, const char *error,
	       struct workers *w)
{
	char buf[16];
	const char *arg = op_arg(cell, op, buf, sizeof(buf));
	struct json j;

	msg_begin(&j, "event");
	json_kv_int(&j, "step", step);
	json_kv_string(&j, "op", cell_op_name(op->kind));
	json_kv_string(&j, "cgroup", cell->cgroups[op->cgroup].name);
	if (arg)
		json_kv_string(&j, "arg", arg);
	json_kv_bool(&j, "ok", error == NULL);
	if (error)
		json_kv_string(&j, "error", error);
	json_key(&j, "iterations");
	json_array_begin(&j);
	for (int i = 0; i < workers_count(w); i++) {
		struct worker_state s;

		workers_state(w, i, false, &s);
		if (!s.running)
			continue;
		json_array_begin(&j);
		json_string(&j, s.cgroup);
		json_int(&j, s.index);
		json_uint(&j, s.iterations);
		json_array_end(&j);
	}
	json_array_end(&j);
	msg_send(&j);
}

void msg_step_start(int index, const char *name)
{
	struct json j;

	msg_begin(&j, "step");
	json_kv_int(&j, "index", index);
	json_kv_string(&j, "name", name);
	json_kv_string(&j, "phase", "start");
	msg_send(&j);
}

void msg_step_end(int index, const char *name, struct workers *w)
{
	struct json j;

	msg_begin(&j, "step");
	json_kv_int(&j, "index", index);
	json_kv_string(&j, "name", name);
	json_kv_string(&j, "phase", "end");
	json_key(&j, "workers");
	json_array_begin(&j);
	for (int i = 0; i < workers_count(w); i++) {
		struct worker_state s;

		workers_state(w, i, true, &s);
		if (!s.running)
			continue;
		json_object_begin(&j);
		json_kv_string(&j, "cgroup", s.cgroup);
		json_kv_int(&j, "index", s.index);
		json_kv_uint(&j, "iterations", s.iterations);
		json_kv_uint(&j, "run_ns", s.stats.run_ns);
		json_kv_uint(&j, "wait_ns", s.stats.wait_ns);
		json_kv_uint(&j, "timeslices", s.stats.timeslices);
		json_kv_uint(&j, "migrations", s.stats.migrations);
		json_kv_uint(&j, "max_gap_us", s.step_max_gap_us);
		json_key(&j, "cpus");
		json_array_begin(&j);
		for (int cpu = 0; cpu < CPU_MAX; cpu++)
			if (cpu_mask_test(&s.step_cpus, cpu))
				json_int(&j, cpu);
		json_array_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	msg_send(&j);
}

void msg_worker(const struct worker_state *s)
{
	struct json j;

	msg_begin(&j, "worker");
	json_kv_string(&j, "cgroup", s->cgroup);
	json_kv_int(&j, "index", s->index);
	json_kv_int(&j, "batch", s->batch);
	json_kv_int(&j, "pid", s->pid);
	json_kv_int(&j, "tid", s->tid);
	json_kv_string(&j, "clone", cell_clone_name(s->clone));
	json_kv_int(&j, "started_step", s->started_step);
	if (s->stopped_step >= 0)
		json_kv_int(&j, "stopped_step", s->stopped_step);
	else
		json_kv_null(&j, "stopped_step");
	json_kv_uint(&j, "iterations", s->iterations);
	json_kv_uint(&j, "run_ns", s->stats.run_ns);
	json_kv_uint(&j, "wait_ns", s->stats.wait_ns);
	json_kv_uint(&j, "timeslices", s->stats.timeslices);
	json_kv_uint(&j, "migrations", s->stats.migrations);
	json_kv_uint(&j, "minflt", s->stats.minflt);
	json_kv_uint(&j, "majflt", s->stats.majflt);
	json_kv_uint(&j, "nvcsw", s->stats.nvcsw);
	json_kv_uint(&j, "nivcsw", s->stats.nivcsw);
	json_key(&j, "cpus");
	json_array_begin(&j);
	for (int cpu = 0; cpu < CPU_MAX; cpu++)
		if (cpu_mask_test(&s->cpus_seen, cpu))
			json_int(&j, cpu);
	json_array_end(&j);
	json_kv_uint(&j, "max_gap_us", s->max_gap_us);
	if (s->has_wake_latency)
		json_kv_uint(&j, "wake_latency_us_p99", s->wake_latency_p99_us);
	else
		json_kv_null(&j, "wake_latency_us_p99");
	json_key(&j, "notes");
	json_array_begin(&j);
	if (s->note && s->note[0])
		json_string(&j, s->note);
	json_array_end(&j);
	msg_send(&j);
}
