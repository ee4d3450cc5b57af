/* The worker's side of the runtime: what runs in a worker process (clone
 * fork) or thread (clone thread) from its creation until it is killed. */
#ifndef KTSTR_WORKER_MAIN_H
#define KTSTR_WORKER_MAIN_H

#include <stdbool.h>

#include "cell_config.h"
#include "work_types.h"
#include "worker_shared.h"

/* Everything one worker needs; made by the agent before the fork. */
struct worker_plan {
	const struct cell_cgroup *def;
	struct worker_shared_header *header;
	struct worker_slot *slot;
	struct work_batch *batch;
	int in_batch;  /* 0..n-1 */
	int n;         /* workers in the batch */
	bool has_affinity;
	struct cpu_mask affinity;
};

/* clone fork: the body of a forked worker process. Never returns. */
void worker_process_main(const struct worker_plan *plan) __attribute__((noreturn));

/* clone thread: the body of the batch's process, which starts one thread per
 * plan and then waits to be killed. Never returns. */
void worker_threads_main(const struct worker_plan *plans, int n) __attribute__((noreturn));

#endif
