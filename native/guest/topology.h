/* The CPU topology the guest kernel sees, reported in the `hello` message so
 * the host can check that the VM got the topology it declared. */
#ifndef KTSTR_TOPOLOGY_H
#define KTSTR_TOPOLOGY_H

#include "json.h"

/* Append `"cpus":[{...}, ...]` (one entry per online CPU) to an open object. */
void topology_append_cpus(struct json *j);

/* Append `"nodes":[{"node":N,"access0":{...}|null}, ...]`: per NUMA node, the
 * best initiators of its memory and their latency (ns) and bandwidth (MB/s)
 * as the kernel read them from ACPI HMAT (nodeN/access0/initiators). */
void topology_append_nodes(struct json *j);

#endif
