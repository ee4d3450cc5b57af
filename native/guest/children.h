/* Child reaping for PID 1. Every process orphaned in the VM becomes our child,
 * so only one place may call waitpid(-1): children_reap() collects every
 * exited child and keeps the status of the ones we track (the scheduler and
 * the workers); anything else is an orphan and is simply discarded. */
#ifndef KTSTR_CHILDREN_H
#define KTSTR_CHILDREN_H

#include <stdbool.h>
#include <sys/types.h>

/* Remember pid's exit status when it is reaped. */
void children_track(pid_t pid);

/* Reap every child that has exited, without blocking. */
void children_reap(void);

/* Reap, then tell whether a tracked pid has exited (and its wait status). */
bool children_exited(pid_t pid, int *status);

/* Wait for a tracked pid, at most timeout_ms. Returns true once it exited. */
bool children_wait(pid_t pid, int timeout_ms, int *status);

/* Stop tracking pid (after its status was used). */
void children_forget(pid_t pid);

/* A wait status as the shell reports it: the exit code, or 128 + the signal
 * that killed the process (-1 for anything else). */
int children_exit_code(int wait_status);

#endif
