#include "scheduler.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "children.h"
#include "clock.h"
#include "exit_dump_trace.h"
#include "file_io.h"
#include "kernel_log.h"
#include "log.h"
#include "messages.h"
#include "pid1.h"

bool scheduler_kernel_supported(void)
{
	struct stat st;

	return stat(SCHED_EXT_STATE_PATH, &st) == 0;
}

static void __attribute__((noreturn)) exec_scheduler(char **argv, const struct cell *cell)
{
	int fd;

	/* After fork, so only the scheduler sees them. */
	for (int i = 0; i < cell->n_sched_env; i++)
		putenv(cell->sched_env[i]);

	/* Our own process group, so stopping it also stops anything the
	 * loader started. */
	setpgid(0, 0);
	pid1_reset_for_exec();

	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != STDIN_FILENO) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	fd = open(SCHED_LOG_PATH, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	execvp(argv[0], argv);
	dprintf(STDERR_FILENO, "ktstr-guest: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int scheduler_spawn(struct scheduler *s, const struct cell *cell)
{
	char *argv[CELL_MAX_SCHED_ARGS + 2];
	int argc = 0;
	pid_t pid;

	memset(s, 0, sizeof(*s));
	argv[argc++] = (char *)cell->scheduler;
	for (int i = 0; i < cell->n_sched_args; i++)
		argv[argc++] = cell->sched_args[i];
	argv[argc] = NULL;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		exec_scheduler(argv, cell);
	setpgid(pid, pid); /* also here: no race with the signals we send */
	children_track(pid);
	s->pid = pid;
	s->spawn_ns = clock_now_ns();
	agent_log("scheduler %s started, pid %d", cell->scheduler, (int)pid);
	return 0;
}

void scheduler_read_state(char *state, size_t size)
{
	if (read_trimmed(SCHED_EXT_STATE_PATH, state, size) < 0)
		state[0] = '\0';
}

bool scheduler_is_enabled(void)
{
	char state[32];

	scheduler_read_state(state, sizeof(state));
	return strcmp(state, "enabled") == 0;
}

bool scheduler_ops_name(char *name, size_t size)
{
	return read_trimmed(SCHED_EXT_OPS_PATH, name, size) >= 0;
}

bool scheduler_process_exited(struct scheduler *s)
{
	if (s->pid == 0)
		return false;
	if (!s->exited && children_exited(s->pid, &s->wait_status)) {
		s->exited = true;
		agent_log("scheduler pid %d exited (wait status 0x%x)", (int)s->pid, s->wait_status);
	}
	return s->exited;
}

void scheduler_wait_exit_settled(struct scheduler *s, int timeout_ms)
{
	uint64_t start = clock_now_ns();

	for (;;) {
		char state[32];

		scheduler_read_state(state, sizeof(state));
		/* "disabled" means the kernel finished its exit (and printed its
		 * report); the loader prints its own report on the way out. */
		if ((state[0] == '\0' || strcmp(state, "disabled") == 0) &&
		    (s->pid == 0 || scheduler_process_exited(s)))
			return;
		if (clock_ms_since(start) >= (uint64_t)timeout_ms)
			return;
		usleep(10000);
	}
}

void scheduler_stop(struct scheduler *s, int grace_ms)
{
	if (s->pid == 0)
		return;
	if (!scheduler_process_exited(s)) {
		s->stopped_by_agent = true;
		kill(-s->pid, SIGINT);
		if (!children_wait(s->pid, grace_ms, &s->wait_status)) {
			agent_log("scheduler pid %d ignored SIGINT for %d ms; killing it",
				  (int)s->pid, grace_ms);
			kill(-s->pid, SIGKILL);
			children_wait(s->pid, 2000, &s->wait_status);
		}
		scheduler_process_exited(s);
	}
	/* Whatever the loader left behind in its process group. */
	kill(-s->pid, SIGKILL);
	children_reap();
}

void scheduler_send_exit(struct scheduler *s, const char *phase, const char *fallback_reason)
{
	struct sched_ext_log log;
	char state[32];
	char *output, *dump;
	size_t output_len = 0, dump_len = 0;
	struct json j;

	scheduler_read_state(state, sizeof(state));
	sched_ext_log_read(&log);
	output = read_file_tail(SCHED_LOG_PATH, SCHED_OUTPUT_TAIL_BYTES, &output_len);

	msg_begin(&j, "sched_exit");
	json_kv_string(&j, "phase", phase);
	json_kv_string(&j, "state", state);
	json_kv_string(&j, "reason", log.reason[0] ? log.reason : fallback_reason);
	json_key(&j, "dmesg");
	json_array_begin(&j);
	for (int i = 0; i < log.n_lines; i++)
		json_string(&j, log.lines[i]);
	json_array_end(&j);
	json_key(&j, "output");
	json_string_n(&j, output ? output : "", output ? output_len : 0);
	/* The kernel's own copy of its exit dump, when the trace event had it. */
	dump = exit_dump_trace_read(&dump_len);
	if (dump) {
		json_key(&j, "exit_dump");
		json_string_n(&j, dump, dump_len);
	}
	if (scheduler_process_exited(s) && !s->stopped_by_agent)
		json_kv_int(&j, "exit_status", children_exit_code(s->wait_status));
	else
		json_kv_null(&j, "exit_status");
	agent_log("sched_exit (%s): state '%s', reason: %s", phase, state,
		  log.reason[0] ? log.reason : fallback_reason);
	msg_send(&j);

	free(output);
	free(dump);
	sched_ext_log_free(&log);
}
