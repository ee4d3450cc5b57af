/* custom: each iteration runs the cell's command line with /bin/sh -c to
 * completion. The command runs in a process group of its own so that the
 * agent's release can SIGKILL it with everything it started. */
#include "work/batch.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int custom_init(struct work_ctx *ctx)
{
	if (!ctx->params->command[0]) {
		snprintf(ctx->note, sizeof(ctx->note), "custom: no command line");
		return -EINVAL;
	}
	/* Reaping the command needs SIGCHLD not ignored. */
	signal(SIGCHLD, SIG_DFL);
	return 0;
}

static void __attribute__((noreturn)) run_command(const char *command)
{
	sigset_t none;

	setpgid(0, 0);
	/* Give the command the dispositions and mask a shell expects. */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execl("/bin/sh", "sh", "-c", command, (char *)NULL);
	_exit(127);
}

static bool custom_iteration(struct work_ctx *ctx)
{
	struct work_peer *own = work_peer(ctx, ctx->index);
	int status = 0;
	pid_t child, got;

	if (work_stopped(ctx))
		return false;
	child = fork();
	if (child == 0)
		run_command(ctx->params->command);
	if (child < 0) {
		if (!ctx->note[0])
			snprintf(ctx->note, sizeof(ctx->note), "fork: %s", strerror(errno));
		return !work_stopped(ctx);
	}
	/* Both sides set the group, so it exists before anyone signals it. */
	setpgid(child, child);
	__atomic_store_n(&own->child_pgid, (int32_t)child, __ATOMIC_SEQ_CST);
	/* The agent sets the stop flag, then reads child_pgid; we store
	 * child_pgid, then read the flag: one of us sees the other. */
	if (__atomic_load_n(ctx->stop, __ATOMIC_SEQ_CST))
		kill(-child, SIGKILL);
	do {
		got = waitpid(child, &status, 0);
	} while (got < 0 && errno == EINTR);
	__atomic_store_n(&own->child_pgid, 0, __ATOMIC_SEQ_CST);
	if (work_stopped(ctx)) {
		/* Whatever the command left in its group goes with it. */
		kill(-child, SIGKILL);
		return false;
	}
	if (got == child && !ctx->note[0] && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		if (WIFEXITED(status))
			snprintf(ctx->note, sizeof(ctx->note), "command exited %d",
				 WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			snprintf(ctx->note, sizeof(ctx->note), "command killed by signal %d",
				 WTERMSIG(status));
	}
	return true;
}

const struct work_type_ops work_ops_custom = {
	.worker_init = custom_init,
	.iteration = custom_iteration,
};
