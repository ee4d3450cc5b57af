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
 * which differs between CPU models.
 *
 * On arm64 a cell's LLC is a cluster: QEMU (7.2) cannot describe caches to an
 * arm64 guest, whose cache/ then shows every level above L1 shared by all
 * CPUs, but it does describe clusters, which the kernel reports in
 * topology/cluster_cpus_list (docs/aarch64.md). */
static void cpu_llc(int cpu, char *out, size_t size)
{
	char path[160];

	out[0] = '\0';
#if defined(__aarch64__)
	snprintf(path, sizeof(path), CPU_SYSFS "/cpu%d/topology/cluster_cpus_list", cpu);
	if (read_trimmed(path, out, size) < 0)
		out[0] = '\0';
	return;
#endif
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

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The numbers N of the "nodeN" entries of a directory, ascending; returns how
 * many (at most max). */
static int node_entries(const char *path, int *out, int max)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!dir)
		return -1;
	while ((de = readdir(dir)) != NULL && n < max) {
		int node;
		char rest;

		if (sscanf(de->d_name, "node%d%c", &node, &rest) == 1)
			out[n++] = node;
	}
	closedir(dir);
	qsort(out, n, sizeof(*out), cmp_int);
	return n;
}

#define MAX_NODES 128

void topology_append_nodes(struct json *j)
{
	static const char *const values[] = { "read_latency", "write_latency", "read_bandwidth", "write_bandwidth" };
	int nodes[MAX_NODES];
	int n = node_entries(NODE_SYSFS, nodes, MAX_NODES);

	json_key(j, "nodes");
	json_array_begin(j);
	for (int i = 0; i < n; i++) {
		char path[160];
		int initiators[MAX_NODES];
		int k;

		json_object_begin(j);
		json_kv_int(j, "node", nodes[i]);
		snprintf(path, sizeof(path), NODE_SYSFS "/node%d/access0/initiators", nodes[i]);
		k = node_entries(path, initiators, MAX_NODES);
		if (k < 0) {
			/* No HMAT (or no HMEM_REPORTING): the kernel made no access classes. */
			json_kv_null(j, "access0");
		} else {
			json_key(j, "access0");
			json_object_begin(j);
			json_key(j, "initiators");
			json_array_begin(j);
			for (int x = 0; x < k; x++)
				json_int(j, initiators[x]);
			json_array_end(j);
			for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
				char file[200];
				long value;

				snprintf(file, sizeof(file), "%s/%s", path, values[v]);
				json_kv_int(j, values[v], read_long(file, &value) == 0 ? value : -1);
			}
			json_object_end(j);
		}
		json_object_end(j);
	}
	json_array_end(j);
}
