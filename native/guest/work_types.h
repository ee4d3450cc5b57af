/* The work types a cgroup's workers run: their names, parameters and the body
 * of one iteration. The loop around the iterations (barrier, bookkeeping,
 * stop) is the worker runtime's business, in workers.c. */
#ifndef KTSTR_WORK_TYPES_H
#define KTSTR_WORK_TYPES_H

#include <stdbool.h>

#include "worker_shared.h"

enum work_kind {
	WORK_SPIN_WAIT,
	WORK_YIELD_HEAVY,
	WORK_MIXED,
	WORK_BURSTY,
	WORK_PIPE_IO,
	WORK_FUTEX_PING_PONG,
	WORK_KIND_COUNT
};

struct work_params {
	long long spin_iters;
	long long burst_us;
	long long sleep_us;
};

/* Returns -1 for an unknown name. */
int work_kind_from_name(const char *name);
const char *work_kind_name(enum work_kind kind);
/* "spin_wait | yield_heavy | ..." for error messages. */
const char *work_kind_all_names(void);

void work_params_default(enum work_kind kind, struct work_params *params);

enum work_param_result {
	WORK_PARAM_OK,
	WORK_PARAM_UNUSED,       /* a known parameter this work type ignores */
	WORK_PARAM_UNKNOWN,      /* no work type has a parameter of that name */
	WORK_PARAM_OUT_OF_RANGE,
};
enum work_param_result work_param_set(enum work_kind kind, struct work_params *params,
				      const char *name, long long value);

/* pipe_io and futex_ping_pong pair workers (0,1), (2,3), ... in a cgroup. */
bool work_kind_is_paired(enum work_kind kind);
/* Whether the work type blocks and so records wake latencies. */
bool work_kind_records_latency(enum work_kind kind);

/* Everything one worker's iterations need. */
struct work_ctx {
	enum work_kind kind;
	struct work_params params;
	const uint32_t *stop;          /* the shared stop flag */
	struct worker_slot *self;
	struct worker_slot *partner;   /* paired types; == self for an odd last worker */
	int own_read_fd;               /* pipe_io: our pipe's read end */
	int partner_write_fd;          /* pipe_io: the partner's pipe's write end */
};

/* Run one iteration. Returns false when the stop flag cut it short (the
 * iteration is then not counted). */
bool work_iteration(struct work_ctx *ctx);

#endif
