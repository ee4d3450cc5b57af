/* The flat cgroup v2 hierarchy the cells use: /sys/fs/cgroup/<name>. */
#ifndef KTSTR_CGROUP_H
#define KTSTR_CGROUP_H

#include <stddef.h>
#include <sys/types.h>

#define CGROUP_ROOT "/sys/fs/cgroup"

/* Enable the cpuset and cpu controllers for the cells' cgroups. Problems are
 * logged; they surface later as a failure to write cpuset.cpus. */
void cgroup_enable_controllers(void);

/* Create the cgroup (if needed) and set cpuset.cpus when cpuset != NULL.
 * Returns 0, or -errno with what failed written to what. */
int cgroup_prepare(const char *name, const char *cpuset, char *what, size_t what_size);

/* Move a process into the cgroup. Returns 0, or -errno. */
int cgroup_add_process(const char *name, pid_t pid);

#endif
