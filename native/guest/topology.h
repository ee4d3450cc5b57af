/* The CPU topology the guest kernel sees, reported in the `hello` message so
 * the host can check that the VM got the topology it declared. */
#ifndef KTSTR_TOPOLOGY_H
#define KTSTR_TOPOLOGY_H

#include "json.h"

/* Append `"cpus":[{...}, ...]` (one entry per online CPU) to an open object. */
void topology_append_cpus(struct json *j);

#endif
