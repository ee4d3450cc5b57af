/* The worker runtime: the workers of a scenario as batches. Every `add` or
 * `spawn` op starts one batch of one cgroup definition: its shared work
 * state (work_batch_create), then one process per worker (clone fork) or
 * one process holding all of them as threads (clone thread), each placed in
 * its cgroup and configured (nice, policy, affinity, work init) before the
 * batch is released. Workers are stopped individually through the stop flag
 * of their slot; their statistics are read from /proc before they are
 * reaped, and kept for the final report. What a worker does in each
 * iteration is the work types' business (work_types.h); the worker's side
 * of all this is worker_main.c. */
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

/* A worker as the messages show it. */
struct worker_state {
	const char *cgroup;  /* its definition's name */
	int index;           /* within its definition, counting across batches */
	int batch;           /* batch number within its definition */
	pid_t pid;           /* its process (the batch's process for threads) */
	pid_t tid;
	enum cell_clone clone;
	int started_step;
	int stopped_step;    /* the step whose op stopped it; -1: it ran to the end */
	bool running;
	uint64_t iterations;
	struct proc_sched_stats stats;
	struct cpu_mask cpus_seen;
	struct cpu_mask step_cpus; /* within the current step's window (empty before an iteration ends in it) */
	uint64_t max_gap_us; /* over its life (so far) */
	uint64_t step_max_gap_us; /* within the current step */
	bool has_wake_latency;
	uint64_t wake_latency_p99_us;
	const char *note;    /* the work type's remark, "" for none */
	/* The worker exited before the agent stopped it (a crash). */
	bool died_early;
	int wait_status;
};

/* An empty runtime for the cell's definitions, with the CPU topology the
 * work types need: the one workers_prepare() made, if any. NULL when out of
 * memory. */
struct workers *workers_create(const struct cell *cell);

/* Make the runtime (allocations, the shared memory with the workers, the
 * CPU layout) before the cell is known: the agent does it before `hello`, so
 * a guest restored from a snapshot has it, and a cell does not pay for that
 * first-of-its-kind kernel work in a new QEMU (35-60 ms under TCG). It is
 * untouched until the cell runs, so every restore starts from it unused. */
void workers_prepare(void);
void workers_free(struct workers *w);

/* A step begins: workers started or stopped from now on belong to it. */
void workers_step_begin(struct workers *w, int step);

/* The step's ops are all applied: its window opens now, and the per-step
 * CPUs and longest gap of every worker start afresh (iteration_end.h). */
void workers_step_window_open(struct workers *w);

/* Start a batch of count workers of definition def (its cgroup exists).
 * Returns 0 once they run, or -errno with what failed in what (the batch's
 * workers are then stopped and reaped). */
int workers_start_batch(struct workers *w, int def, int count, char *what, size_t what_size);

/* Stop the newest count running workers located in cgroup loc (count
 * CELL_COUNT_ALL: all of them). Returns how many were stopped. */
int workers_stop_in(struct workers *w, int loc, int count);

/* Stop every running worker (the end of the run): each finishes its
 * iteration and parks, and its statistics are read. With reap false their
 * processes stay (parked, idle) until workers_free(), which the agent calls
 * after `done`: the host has what it needs once the statistics are read, and
 * ends the VM, so it need not wait for processes to exit under TCG. */
void workers_stop_all(struct workers *w, bool reap);

/* Move the running workers located in from into to's cgroup (their
 * processes: a thread batch moves as a whole). Returns 0, or -errno. */
int workers_move(struct workers *w, int from, int to, char *what, size_t what_size);

/* sched_setaffinity of every running worker located in loc. */
int workers_set_affinity(struct workers *w, int loc, const struct cpu_mask *cpus, char *what,
			 size_t what_size);

/* Whether any running worker is located in loc (a cgroup to be removed). */
bool workers_any_in(const struct workers *w, int loc);

/* Every worker that was ever started, in start order. */
int workers_count(const struct workers *w);
/* The worker's state. For a running worker its /proc statistics are read
 * now when read_stats, and the gaps count up to now; for a stopped one
 * everything is as it was at its stop. */
void workers_state(struct workers *w, int i, bool read_stats, struct worker_state *out);

#endif
