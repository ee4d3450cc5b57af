#include "command.h"

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
#include "log.h"
#include "messages.h"
#include "pid1.h"
#include "shell.h"

/* How long a process that ignores nothing (SIGKILL) may take to be reaped. */
#define KILL_REAP_MS 2000

static void command_init(struct command *c)
{
	memset(c, 0, sizeof(*c));
	output_stream_init(&c->out, -1, "stdout");
	output_stream_init(&c->err, -1, "stderr");
}

/* The initramfs need not have a home directory; the command expects one. */
static void make_home(void)
{
	if (mkdir(COMMAND_HOME, 0700) != 0 && errno != EEXIST)
		agent_log("mkdir " COMMAND_HOME ": %s", strerror(errno));
}

/* What both kinds of command get in the child, before their own setup. */
static void child_common(void)
{
	pid1_reset_for_exec();
	if (chdir(COMMAND_HOME) != 0 && chdir("/") != 0) {
		/* Stay where the agent is. */
	}
	setenv("HOME", COMMAND_HOME, 1);
}

static void __attribute__((noreturn)) exec_child(const char *command_line, int out_fd, int err_fd)
{
	int fd;

	/* Its own process group, so that stopping it also stops its pipeline
	 * and anything it put in the background. */
	setpgid(0, 0);
	child_common();
	/* Output goes to a pipe, not a terminal: ask programs for plain text. */
	setenv("TERM", "dumb", 1);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != STDIN_FILENO) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	dup2(out_fd, STDOUT_FILENO);
	dup2(err_fd, STDERR_FILENO);
	execl(COMMAND_SHELL, "sh", "-c", command_line, (char *)NULL);
	dprintf(STDERR_FILENO, "ktstr-guest: exec " COMMAND_SHELL ": %s\n", strerror(errno));
	_exit(127);
}

static void close_pipe(int p[2])
{
	close(p[0]);
	close(p[1]);
}

int command_start_exec(struct command *c, const char *command_line, char *what,
		       size_t what_size)
{
	int out[2], err[2], e;
	pid_t pid;

	command_init(c);
	make_home();
	if (pipe2(out, O_CLOEXEC) != 0) {
		e = -errno;
		snprintf(what, what_size, "pipe for the command's stdout");
		return e;
	}
	if (pipe2(err, O_CLOEXEC) != 0) {
		e = -errno;
		close_pipe(out);
		snprintf(what, what_size, "pipe for the command's stderr");
		return e;
	}
	pid = fork();
	if (pid < 0) {
		e = -errno;
		close_pipe(out);
		close_pipe(err);
		snprintf(what, what_size, "fork for the command");
		return e;
	}
	if (pid == 0)
		exec_child(command_line, out[1], err[1]);
	setpgid(pid, pid); /* also here: no race with the signals we send */
	children_track(pid);
	close(out[1]);
	close(err[1]);
	/* Only the read ends: the command's writes stay blocking. */
	fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);
	fcntl(err[0], F_SETFL, fcntl(err[0], F_GETFL) | O_NONBLOCK);
	output_stream_init(&c->out, out[0], "stdout");
	output_stream_init(&c->err, err[0], "stderr");
	c->pid = pid;
	agent_log("command started, pid %d: %s", (int)pid, command_line);
	return 0;
}

int command_start_shell(struct command *c, const char *term, const char *banner, char *what,
			size_t what_size)
{
	int tty_fd, e;
	pid_t pid;

	command_init(c);
	make_home();
	/* Opened here, not in the child, so that a missing device is reported
	 * as an error; O_NOCTTY: PID 1 must never get a controlling terminal. */
	tty_fd = open(SHELL_TTY, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty_fd < 0) {
		e = -errno;
		snprintf(what, what_size, "open " SHELL_TTY);
		return e;
	}
	pid = fork();
	if (pid < 0) {
		e = -errno;
		close(tty_fd);
		snprintf(what, what_size, "fork for the shell");
		return e;
	}
	if (pid == 0) {
		child_common();
		shell_exec(tty_fd, term, banner);
	}
	/* The child's setsid() makes it a process group of its own (pid). */
	children_track(pid);
	close(tty_fd);
	c->pid = pid;
	agent_log("shell started on " SHELL_TTY ", pid %d", (int)pid);
	return 0;
}

int command_poll_fds(const struct command *c, struct pollfd fds[COMMAND_MAX_POLL_FDS])
{
	int n = 0;

	if (output_stream_is_open(&c->out))
		fds[n++] = (struct pollfd){ .fd = c->out.fd, .events = POLLIN };
	if (output_stream_is_open(&c->err))
		fds[n++] = (struct pollfd){ .fd = c->err.fd, .events = POLLIN };
	return n;
}

void command_forward_output(struct command *c, const struct pollfd *fds, int n)
{
	for (int i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		if (fds[i].fd == c->out.fd)
			output_stream_pump(&c->out);
		else if (fds[i].fd == c->err.fd)
			output_stream_pump(&c->err);
	}
}

bool command_exited(struct command *c)
{
	if (c->pid == 0)
		return false;
	if (!c->exited && children_exited(c->pid, &c->wait_status)) {
		c->exited = true;
		agent_log("command pid %d exited (wait status 0x%x)", (int)c->pid, c->wait_status);
	}
	return c->exited;
}

void command_stop(struct command *c, int drain_ms)
{
	uint64_t start;

	if (c->pid == 0)
		return;
	if (!command_exited(c)) {
		agent_log("killing the command, pid %d", (int)c->pid);
		/* The process itself too: a shell may not have called setsid()
		 * yet, so its group may not exist. */
		kill(-c->pid, SIGKILL);
		kill(c->pid, SIGKILL);
		if (!children_wait(c->pid, KILL_REAP_MS, NULL))
			agent_log("command pid %d not reaped %d ms after SIGKILL", (int)c->pid,
				  KILL_REAP_MS);
		command_exited(c);
	}
	/* What it left running in its group would keep the pipes open. */
	kill(-c->pid, SIGKILL);
	children_reap();

	/* Output written before the end is still in the pipes. */
	start = clock_now_ns();
	for (;;) {
		struct pollfd fds[COMMAND_MAX_POLL_FDS];
		int n = command_poll_fds(c, fds);
		long left = drain_ms - (long)clock_ms_since(start);

		if (n == 0 || left <= 0)
			break;
		if (poll(fds, (nfds_t)n, (int)left) < 0 && errno != EINTR)
			break;
		command_forward_output(c, fds, n);
	}
	output_stream_close(&c->out);
	output_stream_close(&c->err);
}

void command_send_exit(const struct command *c)
{
	struct json j;

	msg_begin(&j, "exec_exit");
	if (c->exited) {
		json_kv_int(&j, "status", children_exit_code(c->wait_status));
		agent_log("exec_exit: status %d", children_exit_code(c->wait_status));
	} else {
		json_kv_null(&j, "status");
		agent_log("exec_exit: status unknown (the command was never reaped)");
	}
	msg_send(&j);
}
