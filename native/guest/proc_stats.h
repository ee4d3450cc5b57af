/* Per-task scheduler statistics from procfs, read for each worker at the end
 * of every step and, finally, when it is stopped and before it is reaped (a
 * reaped task has no /proc entry). */
#ifndef KTSTR_PROC_STATS_H
#define KTSTR_PROC_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_sched_stats {
	bool have_schedstat;
	uint64_t run_ns;     /* time on a CPU */
	uint64_t wait_ns;    /* time runnable but waiting for a CPU */
	uint64_t timeslices; /* times it was switched in */
	bool have_migrations;
	uint64_t migrations; /* se.nr_migrations */
	uint64_t minflt;     /* not from /proc: the worker's own getrusage() when it */
	uint64_t majflt;     /* parked (worker_slot), filled in by workers.c */
	uint64_t nvcsw;      /* nr_voluntary_switches of /proc/.../sched */
	uint64_t nivcsw;     /* nr_involuntary_switches */
};

/* Fill *out from schedstat and sched of the task: /proc/PID
 * when tid == pid (a process), /proc/PID/task/TID for a thread of a
 * process. Missing files leave their values 0 (and the have_* flags false). */
void proc_stats_read(pid_t pid, pid_t tid, struct proc_sched_stats *out);

/* One "name:\tvalue" field of /proc/.../status or /proc/.../sched. */
bool proc_stats_field(const char *text, const char *name, uint64_t *value);

#endif
