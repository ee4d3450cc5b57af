#include "cpu_layout.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_io.h"

#define CPU_SYSFS "/sys/devices/system/cpu"
#define NODE_SYSFS "/sys/devices/system/node"

static void read_nodes(struct cpu_layout *l)
{
	DIR *dir = opendir(NODE_SYSFS);
	struct dirent *de;

	for (int cpu = 0; cpu < CPU_MAX; cpu++)
		l->node[cpu] = -1;
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		char path[300], text[4096];
		struct cpu_mask mask;
		int node;

		if (sscanf(de->d_name, "node%d", &node) != 1)
			continue;
		snprintf(path, sizeof(path), NODE_SYSFS "/%s/cpulist", de->d_name);
		if (read_trimmed(path, text, sizeof(text)) < 0 || cpulist_parse(text, &mask) != 0)
			continue;
		for (int cpu = 0; cpu < CPU_MAX; cpu++)
			if (cpu_mask_test(&mask, cpu))
				l->node[cpu] = node;
	}
	closedir(dir);
}

const struct cpu_layout *cpu_layout_once(void)
{
	static struct cpu_layout layout;
	static bool read;

	if (!read) {
		cpu_layout_read(&layout);
		read = true;
	}
	return &layout;
}

void cpu_layout_read(struct cpu_layout *l)
{
	char text[4096], path[128];

	memset(l, 0, sizeof(*l));
	if (read_trimmed(CPU_SYSFS "/online", text, sizeof(text)) < 0 ||
	    cpulist_parse(text, &l->online) != 0)
		cpu_mask_set(&l->online, 0);
	for (int cpu = 0; cpu < CPU_MAX; cpu++)
		if (cpu_mask_test(&l->online, cpu))
			l->n_cpus = cpu + 1;
	read_nodes(l);
	for (int cpu = 0; cpu < l->n_cpus; cpu++) {
		snprintf(path, sizeof(path), CPU_SYSFS "/cpu%d/topology/thread_siblings_list", cpu);
		if (read_trimmed(path, text, sizeof(text)) < 0 ||
		    cpulist_parse(text, &l->siblings[cpu]) != 0 ||
		    !cpu_mask_test(&l->siblings[cpu], cpu)) {
			memset(&l->siblings[cpu], 0, sizeof(l->siblings[cpu]));
			cpu_mask_set(&l->siblings[cpu], cpu);
		}
	}
}
