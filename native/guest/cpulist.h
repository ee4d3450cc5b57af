/* The kernel's "cpulist" format ("0-3,8,10-11") and a fixed-size CPU bitmap.
 * Used for /sys/devices/system/cpu/online, node cpulists and the cell's
 * cpuset lines. */
#ifndef KTSTR_CPULIST_H
#define KTSTR_CPULIST_H

#include <stdbool.h>
#include <stdint.h>

/* The agent's upper bound on CPU numbers (also the worker "cpus seen" mask). */
#define CPU_MAX 1024
#define CPU_MASK_WORDS (CPU_MAX / 64)

struct cpu_mask {
	uint64_t bits[CPU_MASK_WORDS];
};

/* Parse a cpulist into mask. An empty string gives an empty mask.
 * Returns 0, or -1 on a syntax error or a CPU >= CPU_MAX. */
int cpulist_parse(const char *list, struct cpu_mask *mask);

static inline bool cpu_mask_test(const struct cpu_mask *m, int cpu)
{
	return cpu >= 0 && cpu < CPU_MAX &&
	       (m->bits[cpu / 64] >> (cpu % 64)) & 1;
}

static inline void cpu_mask_set(struct cpu_mask *m, int cpu)
{
	if (cpu >= 0 && cpu < CPU_MAX)
		m->bits[cpu / 64] |= 1ull << (cpu % 64);
}

#endif
