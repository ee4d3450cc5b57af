#include "topology.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "file_io.h"

#define CPU_SYSFS "/sys/devices/system/cpu"
#define NODE_SYSFS "/sys/devices/system/node"

static long cpu_topology_value(int cpu, const char *file)
{
	char path[128];
	long v;

	snprintf(path, sizeof(path), CPU_SYSFS "/cpu%d/topology/%s", cpu, file);
	return read_long(path, &v) == 0 ? v : -1;
}

static void cpu_topology_string(int cpu, const char *file, char *out, size_t size)
{
	char path[128];

	snprintf(path, sizeof(path), CPU_SYSFS "/cpu%d/topology/%s", cpu, file);
	if (read_trimmed(path, out, size) < 0)
		out[0] = '\0';
}

/* The CPUs sharing this CPU's last-level (L3) cache. The doc names
 * cache/index3; we look the level up instead of trusting the index number,
 * which differs between CPU models. */
static void cpu_llc(int cpu, char *out, size_t size)
{
	char path[160];

	out[0] = '\0';
	for (int index = 0; index < 16; index++) {
		long level;

		snprintf(path, sizeof(path), CPU_SYSFS "/cpu%d/cache/index%d/level", cpu, index);
		if (read_long(path, &level) != 0)
			break;
		if (level != 3)
			continue;
		snprintf(path, sizeof(path), CPU_SYSFS "/cpu%d/cache/index%d/shared_cpu_list",
			 cpu, index);
		if (read_trimmed(path, out, size) < 0)
			out[0] = '\0';
		return;
	}
}

/* NUMA node of every CPU, from nodeN/cpulist; -1 where unknown. */
static void read_cpu_nodes(int *node_of)
{
	DIR *dir = opendir(NODE_SYSFS);
	struct dirent *de;

	for (int cpu = 0; cpu < CPU_MAX; cpu++)
		node_of[cpu] = -1;
	if (!dir)
		return;
	while ((de = readdir(dir)) != NULL) {
		char path[300], list[4096];
		struct cpu_mask mask;
		int node;

		if (sscanf(de->d_name, "node%d", &node) != 1)
			continue;
		snprintf(path, sizeof(path), NODE_SYSFS "/%s/cpulist", de->d_name);
		if (read_trimmed(path, list, sizeof(list)) < 0 || cpulist_parse(list, &mask) != 0)
			continue;
		for (int cpu = 0; cpu < CPU_MAX; cpu++)
			if (cpu_mask_test(&mask, cpu))
				node_of[cpu] = node;
	}
	closedir(dir);
}

void topology_append_cpus(struct json *j)
{
	static int node_of[CPU_MAX];
	char list[4096];
	struct cpu_mask online;

	if (read_trimmed(CPU_SYSFS "/online", list, sizeof(list)) < 0 ||
	    cpulist_parse(list, &online) != 0)
		memset(&online, 0, sizeof(online));
	read_cpu_nodes(node_of);

	json_key(j, "cpus");
	json_array_begin(j);
	for (int cpu = 0; cpu < CPU_MAX; cpu++) {
		char llc[512], siblings[512];

		if (!cpu_mask_test(&online, cpu))
			continue;
		cpu_llc(cpu, llc, sizeof(llc));
		cpu_topology_string(cpu, "thread_siblings_list", siblings, sizeof(siblings));
		json_object_begin(j);
		json_kv_int(j, "cpu", cpu);
		json_kv_int(j, "node", node_of[cpu]);
		json_kv_int(j, "package", cpu_topology_value(cpu, "physical_package_id"));
		json_kv_int(j, "die", cpu_topology_value(cpu, "die_id"));
		json_kv_int(j, "core", cpu_topology_value(cpu, "core_id"));
		json_kv_string(j, "llc", llc);
		json_kv_string(j, "siblings", siblings);
		json_object_end(j);
	}
	json_array_end(j);
}
