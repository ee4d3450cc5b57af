#include "iteration_end.h"

#include <string.h>

static void set_bit_once(struct cpu_mask *mask, int cpu)
{
	/* Read first: the mask rarely changes and stores dirty the line. */
	if (cpu >= 0 && !cpu_mask_test(mask, cpu))
		cpu_mask_set(mask, cpu);
}

void iteration_end(struct worker_slot *slot, const struct worker_shared_header *hdr,
		   struct iteration_clock *c, uint64_t now, int (*read_cpu)(void))
{
	/* The window is read before the CPU, and the CPU is recorded under
	 * that window. The agent bumps the epoch only after the ops that
	 * confine us returned, and the kernel has moved us off any CPU they
	 * took away by then (set_cpus_allowed_ptr waits for the migration),
	 * so a CPU read after seeing the new epoch is one the new window
	 * allows. A CPU read before it goes to the old window, whose report
	 * is already out: it is dropped, not given to either step. Reading
	 * the epoch after the CPU instead could file a CPU we were on before
	 * the ops under the new window. */
	uint32_t epoch = __atomic_load_n(&hdr->step_epoch, __ATOMIC_ACQUIRE);
	uint64_t start = __atomic_load_n(&hdr->step_start_ns, __ATOMIC_RELAXED);
	uint64_t gap = now > c->prev ? now - c->prev : 0;
	uint64_t ref = c->prev > start ? c->prev : start;
	uint64_t step_gap = now > ref ? now - ref : 0;
	int cpu = read_cpu();

	if (gap > slot->max_gap_ns)
		__atomic_store_n(&slot->max_gap_ns, gap, __ATOMIC_RELAXED);
	if (epoch != c->epoch) {
		/* A new window: forget the last one's before the agent may
		 * read this slot as the new one's (the release below). */
		c->epoch = epoch;
		c->step_max = 0;
		memset(&slot->step_cpus, 0, sizeof(slot->step_cpus));
	}
	if (step_gap > c->step_max) {
		c->step_max = step_gap;
		__atomic_store_n(&slot->step_max_gap_ns, step_gap, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&slot->step_epoch, epoch, __ATOMIC_RELEASE);
	c->prev = now;
	__atomic_store_n(&slot->last_end_ns, now, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->iterations, slot->iterations + 1, __ATOMIC_RELEASE);
	set_bit_once(&slot->cpus_seen, cpu);
	set_bit_once(&slot->step_cpus, cpu);
}

bool iteration_step_window(const struct worker_slot *slot, const struct worker_shared_header *hdr,
			   struct cpu_mask *out, uint64_t *max_gap_ns)
{
	/* Only the agent bumps the header's epoch, so it cannot move while
	 * the agent reads; the worker clears the mask before it publishes a
	 * new epoch in its slot, so a matching slot holds no older CPUs. */
	if (__atomic_load_n(&slot->step_epoch, __ATOMIC_ACQUIRE) !=
	    __atomic_load_n(&hdr->step_epoch, __ATOMIC_RELAXED))
		return false;
	*out = slot->step_cpus;
	*max_gap_ns = __atomic_load_n(&slot->step_max_gap_ns, __ATOMIC_RELAXED);
	return true;
}
