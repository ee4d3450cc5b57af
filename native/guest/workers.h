/* The worker runtime: one fork()ed process per worker, placed in its cgroup
 * before it may start, released together through a start barrier, stopped
 * through a shared flag (SIGKILL after a grace period), with its statistics
 * collected before it is reaped. What a worker does in each iteration is
 * work_types.c's business. */
#ifndef KTSTR_WORKERS_H
#define KTSTR_WORKERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cell_config.h"
#include "cpulist.h"
#include "proc_stats.h"

struct workers;

struct worker_result {
	const char *cgroup;
	int index; /* within its cgroup */
	pid_t pid;
	uint64_t iterations;
	struct proc_sched_stats stats;
	struct cpu_mask cpus_seen;
	uint64_t max_gap_us;
	bool has_wake_latency;
	uint64_t wake_latency_p99_us;
	/* The worker exited before the agent stopped it (a crash). */
	bool died_early;
	int wait_status;
};

/* Create the cgroups, fork every worker of the cell and place each in its
 * cgroup; the workers then wait at the start barrier. On failure returns NULL
 * after cleaning up, with -errno in *err and what failed in what. A cell with
 * no cgroups gives an empty (valid) set. */
struct workers *workers_spawn(const struct cell *cell, int *err, char *what, size_t what_size);

/* Open the start barrier. */
void workers_start(struct workers *w);

/* End the hold: raise the stop flag, release workers blocked on a partner,
 * wait up to grace_ms for them to stop, read their /proc statistics, then
 * SIGKILL and reap them all. */
void workers_stop(struct workers *w, int grace_ms);

int workers_count(const struct workers *w);
void workers_result(const struct workers *w, int i, struct worker_result *out);

void workers_free(struct workers *w);

#endif
