/* Which CPUs are online, the NUMA node and the SMT siblings of each: what
 * the work types need to know about the guest's topology (work_env). */
#ifndef KTSTR_CPU_LAYOUT_H
#define KTSTR_CPU_LAYOUT_H

#include "cpulist.h"

struct cpu_layout {
	int n_cpus;                        /* highest online CPU + 1 */
	struct cpu_mask online;
	int node[CPU_MAX];                 /* -1 when unknown */
	struct cpu_mask siblings[CPU_MAX]; /* itself included */
};

/* Read the layout from sysfs. A CPU whose siblings are unknown is its own
 * only sibling. */
void cpu_layout_read(struct cpu_layout *layout);

/* The layout as first read in this agent: the guest's CPUs do not change
 * during a session, and workers_prepare() reads it before `hello`, so a guest
 * restored from a snapshot has it already. */
const struct cpu_layout *cpu_layout_once(void);

#endif
