/*
 * The guest half of the `agent-kill` fault: started in the guest as the cell's "scheduler", it
 * waits the given number of milliseconds and then kills the agent (PID 1) for real. A process
 * cannot signal PID 1 to death (the kernel drops signals init does not handle), so this traces
 * it and points its instruction pointer at address 0: the kernel's own SIGSEGV is forced on
 * init, which dies of it, and the kernel panics with "Attempted to kill init", exactly as when
 * the agent crashes by itself. Built static on the host by the soak (gcc -static).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 0;
	struct timespec delay = { ms / 1000, (ms % 1000) * 1000000L };
	struct user_regs_struct regs;
	int status;

	nanosleep(&delay, NULL);
	fprintf(stderr, "soak: killing the agent (PID 1) after %ld ms\n", ms);
	if (ptrace(PTRACE_ATTACH, 1, NULL, NULL) != 0) {
		perror("soak: ptrace attach to PID 1");
		return 1;
	}
	waitpid(1, &status, __WALL);
	if (ptrace(PTRACE_GETREGS, 1, NULL, &regs) != 0) {
		perror("soak: ptrace getregs");
		return 1;
	}
	regs.rip = 0;
	ptrace(PTRACE_SETREGS, 1, NULL, &regs);
	ptrace(PTRACE_DETACH, 1, NULL, NULL);
	for (;;)
		pause();
}
