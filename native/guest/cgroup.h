/* The cgroup v2 hierarchy the scenarios use: /sys/fs/cgroup/<name>, where a
 * name may be nested ("parent/child"). Parents are created as needed, and
 * the cpu and cpuset controllers are enabled on the way down so that
 * cpu.weight and cpuset.cpus exist in every cgroup of a scenario. */
#ifndef KTSTR_CGROUP_H
#define KTSTR_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cpulist.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

/* Enable the cpuset and cpu controllers in the root's subtree_control.
 * Problems are logged; they surface later as a failure to write a file. */
void cgroup_enable_controllers(void);

/* CGROUP_ROOT "/" name. */
void cgroup_dir(const char *name, char *out, size_t size);

/* Create the cgroup and its missing parents (enabling the controllers in
 * each parent), then write cpuset.cpus when cpuset != NULL and cpu.weight
 * when weight > 0. Returns 0, or -errno with what failed written to what. */
int cgroup_create(const char *name, const char *cpuset, int weight, char *what, size_t what_size);

/* Write cpuset.cpus ("" empties it: the parent's CPUs apply). */
int cgroup_set_cpuset(const char *name, const char *cpus, char *what, size_t what_size);

/* cpuset.cpus as written ("" when empty). Returns 0, or -errno. */
int cgroup_get_cpuset(const char *name, char *out, size_t size);

/* cpuset.cpus.effective: the CPUs its tasks may use. Returns 0, or -errno. */
int cgroup_effective_cpus(const char *name, struct cpu_mask *mask);

/* Move a whole process (every thread of it) into the cgroup. */
int cgroup_add_process(const char *name, pid_t pid);

/* Move one thread: only for a threaded cgroup (cgroup.type "threaded"). */
int cgroup_add_thread(const char *name, pid_t tid);
bool cgroup_is_threaded(const char *name);

/* rmdir, retrying while the last tasks are still on their way out.
 * Returns 0, or -errno with what failed written to what. */
int cgroup_remove(const char *name, char *what, size_t what_size);

/* Remove the cgroup and every cgroup below it, deepest first (their tasks
 * must be gone). Returns 0, or -errno with what failed written to what. */
int cgroup_remove_tree(const char *name, char *what, size_t what_size);

#endif
