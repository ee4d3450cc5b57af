#include "work/host_env.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A sysfs cpulist file into mask; false when absent or malformed. */
static bool read_cpulist(const char *path, struct cpu_mask *mask)
{
	char text[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	memset(mask, 0, sizeof(*mask));
	if (fd < 0)
		return false;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return false;
	text[n] = '\0';
	text[strcspn(text, "\n")] = '\0';
	return cpulist_parse(text, mask) == 0;
}

int work_host_env(struct work_env *env)
{
	struct cpu_mask online, node_cpus;
	int *cpu_node;
	struct cpu_mask *siblings;
	cpu_set_t affinity;
	char path[128];
	int n_cpus = 0;

	memset(env, 0, sizeof(*env));
	env->cgroup = "";
	env->cgroup_dir = "";
	if (!read_cpulist("/sys/devices/system/cpu/online", &online))
		return -ENOENT;
	for (int c = 0; c < CPU_MAX; c++)
		if (cpu_mask_test(&online, c))
			n_cpus = c + 1;
	cpu_node = malloc((size_t)n_cpus * sizeof(int));
	siblings = calloc((size_t)n_cpus, sizeof(struct cpu_mask));
	if (!cpu_node || !siblings) {
		free(cpu_node);
		free(siblings);
		return -ENOMEM;
	}
	for (int c = 0; c < n_cpus; c++) {
		cpu_node[c] = -1;
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", c);
		if (!read_cpulist(path, &siblings[c]))
			cpu_mask_set(&siblings[c], c);
	}
	for (int node = 0; node < 1024; node++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", node);
		if (access(path, R_OK) != 0)
			continue;
		if (!read_cpulist(path, &node_cpus))
			continue;
		for (int c = 0; c < n_cpus; c++)
			if (cpu_mask_test(&node_cpus, c))
				cpu_node[c] = node;
	}
	CPU_ZERO(&affinity);
	if (sched_getaffinity(0, sizeof(affinity), &affinity) == 0)
		for (int c = 0; c < n_cpus && c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &affinity))
				cpu_mask_set(&env->allowed, c);
	env->n_cpus = n_cpus;
	env->cpu_node = cpu_node;
	env->cpu_siblings = siblings;
	return 0;
}

void work_host_env_free(struct work_env *env)
{
	free((void *)env->cpu_node);
	free((void *)env->cpu_siblings);
	env->cpu_node = NULL;
	env->cpu_siblings = NULL;
}
