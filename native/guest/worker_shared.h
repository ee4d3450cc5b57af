/* Layout of the MAP_SHARED anonymous region the agent creates before forking
 * its workers: a header with the start barrier and stop flag, then one slot
 * per worker. Workers write their own slot (and, for paired work types, the
 * wake fields of their partner's slot); the agent reads slots after the hold.
 *
 * Hot fields of different writers sit on separate cache lines so that the
 * bookkeeping does not add false sharing to the load under test. */
#ifndef KTSTR_WORKER_SHARED_H
#define KTSTR_WORKER_SHARED_H

#include <stdint.h>

#include "cpulist.h"
#include "latency_hist.h"

#define CACHE_LINE 64

struct worker_shared_header {
	/* Start barrier (a futex word): 0 while the agent places workers in
	 * their cgroups, 1 once every worker may run. */
	_Alignas(CACHE_LINE) uint32_t start;
	/* Set to 1 by the agent to end the hold; workers poll it. */
	_Alignas(CACHE_LINE) uint32_t stop;
	/* When the barrier opened (CLOCK_MONOTONIC ns); the reference for the
	 * first iteration's gap, so a worker that never ran shows a gap too. */
	uint64_t start_ns;
};

struct worker_slot {
	/* Written by the worker itself on every iteration. */
	_Alignas(CACHE_LINE) uint64_t iterations;
	uint64_t last_end_ns;
	uint64_t max_gap_ns;
	uint32_t parked; /* 1 once the worker saw stop and stopped working */
	struct cpu_mask cpus_seen;

	/* Written by the partner of a paired work type. */
	_Alignas(CACHE_LINE) uint32_t tokens; /* futex_ping_pong: pending wakes */
	uint64_t wake_ns;                     /* when the partner last woke us */

	_Alignas(CACHE_LINE) struct latency_hist wake_latency;
};

#endif
