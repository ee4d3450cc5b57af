/* Layout of the MAP_SHARED anonymous region the agent creates before it
 * starts any worker: a header (the current step, for the per-step gap) and
 * one slot per worker of the run. The agent writes a slot's control words
 * (placed, start, stop); the worker writes the rest; work types reach their
 * own slot through work_ctx.self (the wake-latency histogram).
 *
 * Hot fields of different writers sit on separate cache lines so that the
 * bookkeeping does not add false sharing to the load under test. */
#ifndef KTSTR_WORKER_SHARED_H
#define KTSTR_WORKER_SHARED_H

#include <stdint.h>

#include "cpulist.h"
#include "latency_hist.h"

#define CACHE_LINE 64
#define WORKER_NOTE_MAX 128

struct worker_shared_header {
	/* Bumped by the agent when a step's window opens (after its ops); a
	 * worker that sees a new value starts its per-step CPUs and longest
	 * gap afresh (iteration_end.h). */
	_Alignas(CACHE_LINE) uint32_t step_epoch;
	uint64_t step_start_ns; /* CLOCK_MONOTONIC ns when the window opened */
};

/* What a worker tells the agent about its init (slot.ready). */
enum worker_ready {
	WORKER_NOT_READY = 0,
	WORKER_READY = 1,
	WORKER_INIT_FAILED = 2, /* see init_errno and note */
};

struct worker_slot {
	/* Written by the agent. Futex words: the worker sleeps on them. */
	_Alignas(CACHE_LINE) uint32_t placed; /* 1 once it is in its cgroup */
	uint32_t start;                       /* 1 once it may run (its batch was released) */
	uint32_t stop;                        /* 1: stop after the current iteration */
	uint64_t start_ns;                    /* when start was set */

	/* Written by the worker before it runs. */
	_Alignas(CACHE_LINE) int32_t tid;     /* its thread id (== pid for clone fork) */
	uint32_t ready;                       /* enum worker_ready */
	int32_t init_errno;
	char note[WORKER_NOTE_MAX];           /* the work type's remark (ctx->note) */

	/* Written by the worker on every iteration. */
	_Alignas(CACHE_LINE) uint64_t iterations;
	uint64_t last_end_ns;
	uint64_t max_gap_ns;                  /* over its whole life */
	uint64_t step_max_gap_ns;             /* within the step of step_epoch */
	uint32_t step_epoch;
	uint32_t parked;                      /* 1 once it saw stop and stopped working */
	/* Its page faults, getrusage(RUSAGE_THREAD) just before it parked: the
	 * counters /proc/.../stat shows, without a procfs read the agent would pay
	 * for (the first of its kind in a new QEMU costs ~20 ms under TCG). */
	uint64_t minflt, majflt;
	struct cpu_mask cpus_seen;
	/* CPUs it ran on within the step of step_epoch: cleared by the worker
	 * when it sees a new step, so only the worker writes it. */
	struct cpu_mask step_cpus;

	_Alignas(CACHE_LINE) struct latency_hist wake_latency;
};

#endif
