#include "children.h"

#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"

#define MAX_TRACKED 2048

struct tracked_child {
	pid_t pid; /* 0 = free entry */
	bool exited;
	int status;
};

static struct tracked_child tracked[MAX_TRACKED];

static struct tracked_child *find(pid_t pid)
{
	for (int i = 0; i < MAX_TRACKED; i++)
		if (tracked[i].pid == pid)
			return &tracked[i];
	return NULL;
}

void children_track(pid_t pid)
{
	struct tracked_child *slot = find(0);

	if (slot) {
		slot->pid = pid;
		slot->exited = false;
		slot->status = 0;
	}
	/* Table full: the child is still reaped, we just lose its status. */
}

void children_reap(void)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		struct tracked_child *child;

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			return;
		child = find(pid);
		if (child) {
			child->exited = true;
			child->status = status;
		}
	}
}

bool children_exited(pid_t pid, int *status)
{
	struct tracked_child *child;

	children_reap();
	child = find(pid);
	if (!child || !child->exited)
		return false;
	if (status)
		*status = child->status;
	return true;
}

bool children_wait(pid_t pid, int timeout_ms, int *status)
{
	uint64_t start = clock_now_ns();

	for (;;) {
		if (children_exited(pid, status))
			return true;
		if (clock_ms_since(start) >= (uint64_t)timeout_ms)
			return false;
		usleep(2000);
	}
}

void children_forget(pid_t pid)
{
	struct tracked_child *child = find(pid);

	if (child)
		child->pid = 0;
}

int children_exit_code(int wait_status)
{
	if (WIFEXITED(wait_status))
		return WEXITSTATUS(wait_status);
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return -1;
}
