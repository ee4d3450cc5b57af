/* The scenario engine: a cell's steps run in order; each applies its ops
 * (ops.c), then holds while the scheduler is watched, re-applying the ops
 * every loop_ms when asked (steps.c). */
#ifndef KTSTR_SCENARIO_H
#define KTSTR_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#include "cell_config.h"
#include "workers.h"

struct scenario {
	const struct cell *cell;
	struct workers *workers;
	bool present[CELL_MAX_CGROUPS]; /* added and not removed */
	int step;                       /* index of the running step */
};

/* How a wait during a hold ended. */
enum scenario_wait {
	SCENARIO_WAIT_DONE,       /* the time passed */
	SCENARIO_WAIT_SHUTDOWN,   /* the host said stop (or left) */
	SCENARIO_WAIT_SCHED_EXIT, /* the scheduler left "enabled" */
};

/* The session's wait: ms of watching the scheduler and the host. */
typedef enum scenario_wait (*scenario_wait_fn)(void *ctx, long ms);

enum scenario_end {
	SCENARIO_COMPLETED,
	SCENARIO_SHUTDOWN,
	SCENARIO_SCHED_EXIT,
	SCENARIO_OP_FAILED, /* its event (ok:false) and error were sent */
};

/* Apply one op. Returns 0, or -errno with a description in error. */
int scenario_apply_op(struct scenario *sc, const struct cell_op *op, char *error, size_t size);

/* Run every step (events and step messages included); stops early on a
 * failed op, a shutdown or a scheduler exit. The workers keep running (or
 * stay stopped) for the caller to stop and report. */
enum scenario_end scenario_run(struct scenario *sc, scenario_wait_fn wait, void *ctx);

#endif
