/* What a worker records in its slot at the end of every iteration: the
 * count, the longest gaps (over its life and within the current step), and
 * the CPU it is on (over its life and within the current step). Shared by
 * the agent's workers (worker_main.c) and the standalone loop
 * (work/work_loop.c), so that both pay the same per iteration.
 *
 * A step's window, for the per-step CPUs and gap, opens when the agent has
 * applied all the step's ops and bumps the header's step_epoch
 * (workers_step_window_open), and closes when the agent reads the slot for
 * the step's end report. docs/metrics.md states the consequences. */
#ifndef KTSTR_ITERATION_END_H
#define KTSTR_ITERATION_END_H

#include <stdbool.h>
#include <stdint.h>

#include "cpulist.h"
#include "worker_shared.h"

/* The worker's own memory of its last iteration. Start with prev = the
 * worker's start time and the rest zero. */
struct iteration_clock {
	uint64_t prev;     /* end of the previous iteration */
	uint64_t step_max; /* longest gap within the window of epoch */
	uint32_t epoch;    /* the step window the worker last recorded in */
};

/* Record the iteration that ended at now; read_cpu is sched_getcpu (a
 * parameter so that the unit checks can play the agent in the middle). */
void iteration_end(struct worker_slot *slot, const struct worker_shared_header *hdr,
		   struct iteration_clock *c, uint64_t now, int (*read_cpu)(void));

/* The agent's side: the CPUs the slot's worker was seen on within the
 * current step window into out, and its longest gap there into max_gap_ns.
 * False (out and max_gap_ns untouched) when no iteration of the worker has
 * ended within the window yet. */
bool iteration_step_window(const struct worker_slot *slot, const struct worker_shared_header *hdr,
			   struct cpu_mask *out, uint64_t *max_gap_ns);

#endif
