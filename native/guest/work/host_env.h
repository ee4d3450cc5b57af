/* A struct work_env describing the machine the caller runs on, read from
 * sysfs: for the standalone --work-loop mode and the host-side harness
 * (the agent's worker runtime fills its own from the cell's topology). */
#ifndef KTSTR_WORK_HOST_ENV_H
#define KTSTR_WORK_HOST_ENV_H

#include "work_types.h"

/* Fills env (allowed = the caller's affinity; cgroup and cgroup_dir are
 * left empty). The arrays are allocated; free with work_host_env_free.
 * Returns 0 or -errno. */
int work_host_env(struct work_env *env);
void work_host_env_free(struct work_env *env);

#endif
