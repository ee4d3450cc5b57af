/* The command an exec or shell cell runs instead of workers
 * (docs/guest-protocol.md, "Exec and shell cells"): `/bin/sh -c LINE` with
 * its stdout and stderr forwarded to the host, or an interactive shell on
 * the serial console. Either runs in its own process group, is stopped with
 * SIGKILL to that group, and ends with an `exec_exit` message. */
#ifndef KTSTR_COMMAND_H
#define KTSTR_COMMAND_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "output_stream.h"

#define COMMAND_SHELL "/bin/sh"
#define COMMAND_HOME "/root"
#define COMMAND_MAX_POLL_FDS 2

struct command {
	pid_t pid; /* 0 until started */
	bool exited;
	int wait_status; /* valid when exited */
	struct output_stream out, err; /* exec: the pipes; never open for the shell */
};

/* Start `/bin/sh -c command_line`: stdin /dev/null, stdout and stderr to
 * pipes, cwd and HOME COMMAND_HOME, TERM=dumb. Returns 0, or -errno with the
 * step that failed in what. */
int command_start_exec(struct command *c, const char *command_line, char *what,
		       size_t what_size);

/* Start an interactive shell with the serial console as its terminal (see
 * shell.h), printing banner first. Same return convention. */
int command_start_shell(struct command *c, const char *term, const char *banner, char *what,
			size_t what_size);

/* The output pipes still open, to wait on (POLLIN). Returns how many. */
int command_poll_fds(const struct command *c, struct pollfd fds[COMMAND_MAX_POLL_FDS]);

/* Forward the output that a wait on command_poll_fds() found ready. */
void command_forward_output(struct command *c, const struct pollfd *fds, int n);

/* Whether the command's process has exited (reaps it if so). */
bool command_exited(struct command *c);

/* SIGKILL its process group (the process itself if it is still running,
 * else what it left behind), then forward what is left in the pipes, for at
 * most drain_ms: a process that escaped the group may hold them open. */
void command_stop(struct command *c, int drain_ms);

/* `exec_exit` with the shell-style status. */
void command_send_exit(const struct command *c);

#endif
