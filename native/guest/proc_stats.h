/* Per-process scheduler statistics from procfs, read for each worker after
 * the hold and before it is reaped (a reaped pid has no /proc entry). */
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
};

/* Fill *out from /proc/PID/schedstat and /proc/PID/sched. Missing files leave
 * the have_* flags false (values 0). */
void proc_stats_read(pid_t pid, struct proc_sched_stats *out);

#endif
