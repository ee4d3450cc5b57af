#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "bpf_maps.h"
#include "exit_dump_trace.h"
#include "cell_config.h"
#include "channel.h"
#include "children.h"
#include "clock.h"
#include "collect.h"
#include "command.h"
#include "file_io.h"
#include "host_requests.h"
#include "log.h"
#include "messages.h"
#include "phases.h"
#include "scenario.h"
#include "scheduler.h"
#include "shell.h"
#include "topology.h"
#include "workers.h"

#define CELL_FILE "/ktstr/cell.conf"
#define AGENT_VERSION "ktstr-guest 1"
/* How often the scheduler's state is checked during the hold. */
#define WATCH_TICK_MS 50
/* How often it is checked while waiting for it to attach. */
#define ATTACH_TICK_MS 10
#define SCHED_STOP_GRACE_MS 1000
/* A cell that collects files lets the scheduler take its time to exit: a
 * coverage build writes its .gcda only on its normal exit path, and detaching
 * under TCG can take seconds. */
#define SCHED_STOP_GRACE_COLLECT_MS 15000
#define SCHED_EXIT_SETTLE_MS 2000
/* How long output may still come after the command was stopped. */
#define COMMAND_DRAIN_MS 1000
/* After `done`, how long the agent waits idle for the host to end the VM
 * before it stops the scheduler and powers off by itself. */
#define DONE_LINGER_MS 2000

struct session {
	struct cell cell;
	/* The launch of a scheduler attached before the cell ('A' frame):
	 * the cell must name the same one. */
	struct cell launch;
	bool pre_attached;
	uint64_t pre_attach_ms;
	struct scheduler sched;
	bool sched_attached;  /* reached "enabled": watch it from now on */
	char sched_name[128]; /* its ops name, as sent in `ready` ("" for none) */
	struct workers *workers;
	struct command command; /* exec and shell cells */
	bool command_running;
	bool shutdown;        /* the host sent 'S' or went away */
	const char *cell_path; /* --run-cell: the cell's file; no host, no gate */
};

enum watch_event {
	WATCH_TIMEOUT,    /* the wait ended normally */
	WATCH_GO,         /* 'G' arrived (only when accepted) */
	WATCH_SHUTDOWN,   /* 'S' arrived or the channel closed */
	WATCH_SCHED_EXIT, /* the scheduler left "enabled" or its process exited */
	WATCH_COMMAND_EXIT, /* the command of an exec or shell cell exited */
};

static void send_hello(void)
{
	struct utsname uts;
	struct json j;

	if (uname(&uts) != 0)
		strcpy(uts.release, "");
	msg_begin(&j, "hello");
	json_kv_string(&j, "agent", AGENT_VERSION);
	json_kv_string(&j, "kernel", uts.release);
	json_kv_uint(&j, "uptime_ms", clock_boot_ms());
	topology_append_cpus(&j);
	topology_append_nodes(&j);
	msg_send(&j);
}

/* Act on a frame that arrived while we wait for something else. Returns the
 * event it causes, WATCH_TIMEOUT for "nothing, keep waiting". */
static enum watch_event handle_frame(struct session *s, struct frame *f, bool accept_go)
{
	enum watch_event ev = WATCH_TIMEOUT;

	if (host_request_is(f->kind)) {
		host_request_handle(f);
		frame_free(f);
		return ev;
	}
	switch (f->kind) {
	case FRAME_SHUTDOWN:
		agent_log("shutdown requested by the host");
		s->shutdown = true;
		ev = WATCH_SHUTDOWN;
		break;
	case FRAME_GO:
		if (accept_go)
			ev = WATCH_GO;
		else
			agent_log("ignoring 'G' frame: not waiting for it");
		break;
	case FRAME_CELL:
		agent_log("ignoring 'C' frame: the cell is already loaded");
		break;
	default:
		agent_log("ignoring frame of unknown kind 0x%02x", f->kind);
		break;
	}
	frame_free(f);
	return ev;
}

/* Keeps the scheduler's maps alive for the host's failure dump (bpf_maps.h);
 * a --run-cell run has no host to read them, and a machine of its own has
 * maps that are none of ours. Returns how many are held. */
static int hold_maps(const struct session *s)
{
	return s->cell_path ? 0 : bpf_maps_hold();
}

/* Wait up to ms for host frames, checking every WATCH_TICK_MS that an
 * attached scheduler is still enabled and, while a command runs, forwarding
 * its output as it comes and noticing its exit. Also reaps orphans. */
static enum watch_event watch(struct session *s, long ms, bool accept_go)
{
	uint64_t start = clock_now_ns();

	for (;;) {
		struct pollfd fds[COMMAND_MAX_POLL_FDS];
		int n_fds = 0;
		struct frame f;
		enum watch_event ev;
		long left;

		children_reap();
		if (s->sched_attached &&
		    (!scheduler_is_enabled() || scheduler_process_exited(&s->sched))) {
			/* Maps the scheduler made since it attached, before its
			 * loader frees them (see bpf_maps.h). */
			hold_maps(s);
			return WATCH_SCHED_EXIT;
		}
		if (s->command_running && command_exited(&s->command))
			return WATCH_COMMAND_EXIT;
		left = ms - (long)clock_ms_since(start);
		if (left <= 0)
			return WATCH_TIMEOUT;
		if (s->command_running)
			n_fds = command_poll_fds(&s->command, fds);
		switch (channel_recv_with(&f, left < WATCH_TICK_MS ? (int)left : WATCH_TICK_MS,
					  fds, n_fds)) {
		case CHANNEL_CLOSED:
			s->shutdown = true;
			return WATCH_SHUTDOWN;
		case CHANNEL_TIMEOUT:
			command_forward_output(&s->command, fds, n_fds);
			break;
		case CHANNEL_FRAME:
			ev = handle_frame(s, &f, accept_go);
			if (ev != WATCH_TIMEOUT)
				return ev;
			break;
		}
	}
}

/* Whether the tear-down waits until after `done`: the scheduler left
 * running, the stopped workers' processes left parked. The host takes `done`
 * as the end: it kills the VM at once (the guest is discarded), reading the
 * scheduler's maps, if a failure dump wants them, from the stopped guest's
 * memory. Stopping the scheduler first (SIGINT, the loader detaching,
 * sched_ext disabling: 0.15-0.3 s under TCG) and reaping the workers (process
 * exit, 0.03-0.1 s) would only make it wait. The tear-down comes first when
 * the cell collects files (a coverage build writes them on its normal exit
 * path) and when no host is there to end the VM (--run-cell, or a channel
 * already gone). */
static bool teardown_after_done(const struct session *s)
{
	return !s->cell_path && !s->cell.has_collect && channel_is_open();
}

/* Wait idle, frames ignored, until the host ends the VM, closes the
 * channel, or ms pass. Idle, so the host's teardown has the CPU. */
static void linger_for_host(int ms)
{
	uint64_t start = clock_now_ns();

	for (;;) {
		long left = ms - (long)clock_ms_since(start);
		struct frame f;

		if (left <= 0)
			return;
		switch (channel_recv(&f, (int)left)) {
		case CHANNEL_CLOSED:
			return;
		case CHANNEL_TIMEOUT:
			break;
		case CHANNEL_FRAME:
			frame_free(&f);
			break;
		}
	}
}

/* Stop what is still running and send `done`. */
static void finish(struct session *s, bool ok)
{
	bool stop_later = teardown_after_done(s);

	if (s->command_running) {
		command_stop(&s->command, COMMAND_DRAIN_MS);
		s->command_running = false;
	}
	if (s->workers) {
		/* Stops what still runs; its processes go after `done` too. */
		workers_stop_all(s->workers, !stop_later);
		if (!stop_later) {
			workers_free(s->workers);
			s->workers = NULL;
		}
	}
	if (s->sched_attached)
		hold_maps(s); /* the scheduler's maps as it leaves them, for the host */
	if (!stop_later) {
		scheduler_stop(&s->sched, s->cell.has_collect ? SCHED_STOP_GRACE_COLLECT_MS : SCHED_STOP_GRACE_MS);
		phase_mark("scheduler stopped");
	}
	/* After the stop, so a program that writes its files on exit has. */
	if (s->cell.has_collect && collect_send_files(s->cell.collect) < 0)
		ok = false;
	if (host_requests_failed())
		ok = false; /* its `error` went out when it failed */
	msg_done(ok, s->shutdown);
	if (stop_later) {
		/* Normally the VM ends in here; a host that lets it run on
		 * sees the usual stop and power-off after the wait. */
		linger_for_host(DONE_LINGER_MS);
		workers_free(s->workers);
		s->workers = NULL;
		scheduler_stop(&s->sched, SCHED_STOP_GRACE_MS);
	}
	cell_free(&s->cell);
	cell_free(&s->launch);
}

static bool attach_scheduler(struct session *s, const struct cell *c, bool *ok, uint64_t *attach_ms);

/* An attach request ('A'): start the scheduler now, before the cell, wait
 * until sched_ext is enabled, say `attached`, and go on waiting for the cell.
 * The host saves the VM here (a post-attach snapshot), so every cell restored
 * from it finds the scheduler attached and only sends its scenario. Frees f.
 * Returns false when the session is over (reported; see *ok). */
static bool pre_attach(struct session *s, struct frame *f, bool *ok)
{
	char problem[512], ops[128];
	struct json j;
	int rc;

	*ok = false;
	if (s->pre_attached) {
		frame_free(f);
		msg_error("attach", EALREADY, "a scheduler is already attached: one attach request per VM");
		return false;
	}
	rc = cell_parse_launch(f->payload, f->len, &s->launch, problem, sizeof(problem));
	frame_free(f);
	if (rc != 0) {
		msg_error("attach", EINVAL, "invalid attach request: %s", problem);
		return false;
	}
	if (host_requests_failed()) {
		agent_log("refusing the attach request: a request failed before it (%s)",
			  host_requests_failure());
		return false;
	}
	if (!scheduler_kernel_supported()) {
		msg_error("sched_ext", ENOENT,
			  "this kernel has no " SCHED_EXT_STATE_PATH " (CONFIG_SCHED_CLASS_EXT)");
		return false;
	}
	if (!attach_scheduler(s, &s->launch, ok, &s->pre_attach_ms))
		return false;
	s->pre_attached = true;
	msg_begin(&j, "attached");
	if (scheduler_ops_name(ops, sizeof(ops)))
		json_kv_string(&j, "scheduler", ops);
	else
		json_kv_null(&j, "scheduler");
	json_kv_int(&j, "pid", s->sched.pid);
	json_kv_uint(&j, "attach_ms", s->pre_attach_ms);
	msg_send(&j);
	return true;
}

/* The cell comes from the initramfs when the per-cell archive put it there,
 * else from the host as a 'C' frame. While waiting for it the agent is idle
 * (this is where a snapshot of the VM is taken) and serves request frames.
 * Returns false when the session is over (shutdown, or an error already
 * reported). */
static bool load_cell(struct session *s, bool *ok)
{
	char problem[512];
	size_t len = 0;
	const char *path = s->cell_path ? s->cell_path : CELL_FILE;
	char *text = read_whole_file(path, &len);

	*ok = false;
	/* With --run-cell the file is the only source: there is no host. */
	if (!text && (errno != ENOENT || s->cell_path)) {
		msg_error("cell", errno, "read %s: %s", path, strerror(errno));
		return false;
	}
	if (text) {
		agent_log("cell from %s", path);
	} else {
		agent_log("no " CELL_FILE "; waiting for the cell from the host");
		while (!text) {
			struct frame f;

			switch (channel_recv(&f, 1000)) {
			case CHANNEL_CLOSED:
				s->shutdown = true;
				return false;
			case CHANNEL_TIMEOUT:
				children_reap();
				continue;
			case CHANNEL_FRAME:
				break;
			}
			if (f.kind == FRAME_CELL) {
				phase_mark("cell received");
				text = f.payload;
				len = f.len;
				f.payload = NULL;
			} else if (f.kind == FRAME_ATTACH) {
				if (!pre_attach(s, &f, ok))
					return false;
			} else if (handle_frame(s, &f, false) == WATCH_SHUTDOWN) {
				*ok = true; /* nothing failed: the host ended it */
				return false;
			}
		}
	}
	if (host_requests_failed()) {
		agent_log("refusing the cell: a request failed before it (%s)",
			  host_requests_failure());
		free(text);
		return false;
	}
	if (cell_parse(text, len, &s->cell, problem, sizeof(problem)) != 0) {
		free(text);
		msg_error("cell", EINVAL, "invalid cell: %s", problem);
		return false;
	}
	free(text);
	switch (s->cell.mode) {
	case CELL_MODE_WORKERS:
		agent_log("cell: %s, %d cgroup definition(s), %d step(s), holds %ld ms in all",
			  s->cell.has_scheduler ? s->cell.scheduler : "EEVDF (no scheduler)",
			  s->cell.n_cgroups, s->cell.n_steps, cell_total_hold_ms(&s->cell));
		break;
	case CELL_MODE_EXEC:
		agent_log("cell: %s, exec: %s",
			  s->cell.has_scheduler ? s->cell.scheduler : "EEVDF (no scheduler)",
			  s->cell.exec_command);
		break;
	case CELL_MODE_SHELL:
		agent_log("cell: %s, interactive shell on " SHELL_TTY,
			  s->cell.has_scheduler ? s->cell.scheduler : "EEVDF (no scheduler)");
		break;
	}
	return true;
}

static void describe_exit(const struct scheduler *sched, const char *when, char *out, size_t size)
{
	int st = sched->wait_status;

	if (WIFSIGNALED(st))
		snprintf(out, size, "scheduler process was killed by signal %d %s", WTERMSIG(st), when);
	else
		snprintf(out, size, "scheduler process exited with status %d %s", WEXITSTATUS(st), when);
}

/* Spawn the scheduler and wait until sched_ext reports it enabled. Returns
 * false when the session is over (reported, or shut down: see *ok). */
static bool attach_scheduler(struct session *s, const struct cell *c, bool *ok, uint64_t *attach_ms)
{
	struct json j;
	char state[32], reason[256];
	int err;

	*ok = false;
	if (!scheduler_kernel_supported()) {
		msg_error("sched_ext", ENOENT,
			  "this kernel has no " SCHED_EXT_STATE_PATH " (CONFIG_SCHED_CLASS_EXT)");
		return false;
	}
	/* Not with --run-cell: a machine of its own keeps its tracing as it is. */
	if (!s->cell_path)
		exit_dump_trace_arm();
	err = scheduler_spawn(&s->sched, c);
	if (err) {
		msg_error("scheduler", -err, "fork for %s: %s", c->scheduler, strerror(-err));
		return false;
	}
	msg_begin(&j, "sched_started");
	json_kv_int(&j, "pid", s->sched.pid);
	msg_send(&j);

	for (;;) {
		struct frame f;

		if (scheduler_is_enabled())
			break;
		if (scheduler_process_exited(&s->sched)) {
			describe_exit(&s->sched, "before sched_ext was enabled", reason, sizeof(reason));
			scheduler_wait_exit_settled(&s->sched, SCHED_EXIT_SETTLE_MS);
			scheduler_send_exit(&s->sched, "attach", reason);
			return false;
		}
		if (clock_ms_since(s->sched.spawn_ns) >= (uint64_t)c->sched_timeout_ms) {
			scheduler_read_state(state, sizeof(state));
			snprintf(reason, sizeof(reason),
				 "sched_ext state still '%s' %ld ms after the scheduler started",
				 state, c->sched_timeout_ms);
			scheduler_stop(&s->sched, SCHED_STOP_GRACE_MS);
			scheduler_send_exit(&s->sched, "attach", reason);
			return false;
		}
		switch (channel_recv(&f, ATTACH_TICK_MS)) {
		case CHANNEL_CLOSED:
			s->shutdown = true;
			return false;
		case CHANNEL_TIMEOUT:
			break;
		case CHANNEL_FRAME:
			if (handle_frame(s, &f, false) == WATCH_SHUTDOWN) {
				*ok = true;
				return false;
			}
			break;
		}
	}
	*attach_ms = clock_ms_since(s->sched.spawn_ns);
	s->sched_attached = true;
	err = hold_maps(s);
	agent_log("sched_ext enabled after %llu ms; holding %d BPF map(s) for the host",
		  (unsigned long long)*attach_ms, err);
	return true;
}

static void send_ready(struct session *s, uint64_t attach_ms)
{
	char ops[128];
	struct json j;

	msg_begin(&j, "ready");
	if (s->sched_attached && scheduler_ops_name(ops, sizeof(ops))) {
		json_kv_string(&j, "scheduler", ops);
		snprintf(s->sched_name, sizeof(s->sched_name), "%s", ops);
	} else {
		json_kv_null(&j, "scheduler");
	}
	json_kv_uint(&j, "attach_ms", attach_ms);
	msg_send(&j);
}

/* One `worker` message per worker that ever ran. Returns false if one died
 * early (its `error` follows its message). */
static bool report_workers(struct workers *w)
{
	bool all_fine = true;

	for (int i = 0; i < workers_count(w); i++) {
		struct worker_state r;

		workers_state(w, i, false, &r);
		msg_worker(&r);
		if (r.died_early) {
			msg_error("worker", 0, "worker %s/%d (pid %d, tid %d) exited before it was stopped "
				  "(wait status 0x%x); its run_ns/wait_ns/timeslices/migrations are 0",
				  r.cgroup, r.index, (int)r.pid, (int)r.tid, r.wait_status);
			all_fine = false;
		}
	}
	return all_fine;
}

/* `sched_exit` for a scheduler that stopped while the cell ran (when says
 * during what, for the agent's own description). */
static void report_run_exit(struct session *s, const char *when)
{
	char state[32], reason[256];

	/* Let the kernel finish its report and the loader print its exit info
	 * before collecting both. */
	scheduler_wait_exit_settled(&s->sched, SCHED_EXIT_SETTLE_MS);
	scheduler_read_state(state, sizeof(state));
	if (scheduler_process_exited(&s->sched))
		describe_exit(&s->sched, when, reason, sizeof(reason));
	else
		snprintf(reason, sizeof(reason), "sched_ext state became '%s' %s", state, when);
	scheduler_send_exit(&s->sched, "run", reason);
}

static enum scenario_wait scenario_wait(void *ctx, long ms)
{
	switch (watch(ctx, ms, false)) {
	case WATCH_SHUTDOWN:
		return SCENARIO_WAIT_SHUTDOWN;
	case WATCH_SCHED_EXIT:
		return SCENARIO_WAIT_SCHED_EXIT;
	default:
		return SCENARIO_WAIT_DONE;
	}
}

/* The steps run while the scheduler is watched; then every worker is
 * stopped and reported. */
static void run_scenario(struct session *s)
{
	struct scenario sc = { .cell = &s->cell, .workers = s->workers };
	enum scenario_end end = scenario_run(&sc, scenario_wait, s);
	bool ok = end != SCENARIO_SCHED_EXIT;

	if (end == SCENARIO_OP_FAILED) {
		finish(s, false);
		return;
	}
	/* Their processes exit after `done` when the scheduler stops then. */
	workers_stop_all(s->workers, !teardown_after_done(s));
	phase_mark("workers stopped");
	if (end == SCENARIO_SCHED_EXIT)
		report_run_exit(s, "during the steps");
	if (!report_workers(s->workers))
		ok = false;
	phase_mark("workers reported");
	finish(s, ok);
}

/* The optional wait after the gate. Returns false when the session ended
 * during it (reported and finished). */
static bool settle(struct session *s)
{
	enum watch_event ev;

	if (s->cell.settle_ms <= 0)
		return true;
	ev = watch(s, s->cell.settle_ms, false);
	if (ev == WATCH_SHUTDOWN) {
		finish(s, true);
		return false;
	}
	if (ev == WATCH_SCHED_EXIT) {
		scheduler_wait_exit_settled(&s->sched, SCHED_EXIT_SETTLE_MS);
		scheduler_send_exit(&s->sched, "run", "scheduler left 'enabled' while settling");
		finish(s, false);
		return false;
	}
	return true;
}

/* exec and shell cells: the command runs instead of workers, under the same
 * watch over the scheduler, until it exits, the scheduler stops or the host
 * says stop. The command's own failure is its status, not ok:false. */
static void run_command(struct session *s)
{
	enum watch_event ev;
	char banner[256], what[128];
	int err;

	if (!settle(s))
		return;
	if (s->cell.mode == CELL_MODE_EXEC) {
		err = command_start_exec(&s->command, s->cell.exec_command, what, sizeof(what));
	} else {
		shell_banner(banner, sizeof(banner), s->sched_name[0] ? s->sched_name : NULL);
		err = command_start_shell(&s->command, s->cell.has_term ? s->cell.term : NULL,
					  banner, what, sizeof(what));
	}
	if (err) {
		msg_error("command", -err, "%s: %s", what, strerror(-err));
		finish(s, false);
		return;
	}
	s->command_running = true;
	do
		ev = watch(s, 1000, false);
	while (ev == WATCH_TIMEOUT);
	/* Stopped and drained first: all its output comes before exec_exit. */
	command_stop(&s->command, COMMAND_DRAIN_MS);
	s->command_running = false;
	if (ev == WATCH_SCHED_EXIT)
		report_run_exit(s, "while the command ran");
	command_send_exit(&s->command);
	finish(s, ev != WATCH_SCHED_EXIT);
}

void session_run(const char *cell_path)
{
	struct session s;
	uint64_t attach_ms = 0;
	bool ok, cell_loaded;

	memset(&s, 0, sizeof(s));
	s.cell_path = cell_path;
	if (!cell_path)
		phases_enable();
	/* Until the cell is here the host may come and go (a snapshot of the
	 * VM is taken in this wait); from then on a host leaving ends the run. */
	channel_set_disconnect_policy(CHANNEL_WAIT_FOR_HOST);
	/* Before a snapshot can be taken: restored cells find it made. */
	workers_prepare();
	send_hello();
	cell_loaded = load_cell(&s, &ok);
	channel_set_disconnect_policy(CHANNEL_HOST_GONE);

	if (cell_loaded && s.pre_attached) {
		/* Attached before the cell: the cell must name that very launch. */
		if (!cell_same_launch(&s.cell, &s.launch)) {
			msg_error("cell", EINVAL, "the cell's scheduler (%s) is not the one attached before it (%s): "
				  "path, sched_arg and sched_env lines must be the same",
				  s.cell.has_scheduler ? s.cell.scheduler : "none", s.launch.scheduler);
			finish(&s, false);
			return;
		}
		attach_ms = s.pre_attach_ms;
	} else if (!cell_loaded || (s.cell.has_scheduler && !attach_scheduler(&s, &s.cell, &ok, &attach_ms))) {
		finish(&s, ok);
		return;
	}
	send_ready(&s, attach_ms);

	/* The readiness gate: nothing runs before the host says go. Without a
	 * host (--run-cell) there is nobody to wait for. */
	for (; !s.cell_path;) {
		enum watch_event ev = watch(&s, 1000, true);

		if (ev == WATCH_GO) {
			phase_mark("go received");
			break;
		}
		if (ev == WATCH_SHUTDOWN) {
			finish(&s, true);
			return;
		}
		if (ev == WATCH_SCHED_EXIT) {
			scheduler_wait_exit_settled(&s.sched, SCHED_EXIT_SETTLE_MS);
			scheduler_send_exit(&s.sched, "run", "scheduler left 'enabled' before the hold");
			finish(&s, false);
			return;
		}
	}

	if (s.cell.mode != CELL_MODE_WORKERS) {
		run_command(&s);
		return;
	}
	if (!settle(&s))
		return;
	s.workers = workers_create(&s.cell);
	phase_mark("worker runtime made");
	if (!s.workers) {
		msg_error("workers", ENOMEM, "allocate the worker runtime: %s", strerror(ENOMEM));
		finish(&s, false);
		return;
	}
	run_scenario(&s);
}
