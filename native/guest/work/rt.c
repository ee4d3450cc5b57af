/* Work types with real-time tasks among normal ones. RT tasks are outside
 * sched_ext: these show what a scheduler does to the normal tasks around
 * them (preemptions, starvation). Policies are per thread, so both clone
 * modes behave alike. */
#include "work/batch.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>

/* What a normal worker spins per iteration: spin_wait's default. */
#define NORMAL_SPIN_TURNS 1024

static int become_fifo(struct work_ctx *ctx)
{
	int rc = work_set_policy(SCHED_FIFO, 1);

	if (rc != 0)
		snprintf(ctx->note, sizeof(ctx->note), "sched_setscheduler(SCHED_FIFO, 1): %s",
			 strerror(-rc));
	return rc;
}

static void back_to_other(struct work_ctx *ctx)
{
	(void)ctx;
	work_set_policy(SCHED_OTHER, 0);
}

/* ---- preempt_storm: worker 0 is a periodic FIFO task ---- */

static int preempt_storm_init(struct work_ctx *ctx)
{
	return ctx->index == 0 ? become_fifo(ctx) : 0;
}

static bool preempt_storm_iteration(struct work_ctx *ctx)
{
	if (ctx->index != 0) {
		work_spin_turns(NORMAL_SPIN_TURNS);
		return true;
	}
	if (!work_sleep_us(ctx, WORK_PARAM(ctx, 0)))
		return false;
	return work_spin_us(ctx, WORK_PARAM(ctx, 1));
}

const struct work_type_ops work_ops_preempt_storm = {
	.worker_init = preempt_storm_init,
	.iteration = preempt_storm_iteration,
	.worker_fini = back_to_other,
};

/* ---- rt_starvation: the first rt_workers spin as FIFO 1 ---- */

static int rt_starvation_init(struct work_ctx *ctx)
{
	return ctx->index < WORK_PARAM(ctx, 0) ? become_fifo(ctx) : 0;
}

static bool rt_starvation_iteration(struct work_ctx *ctx)
{
	(void)ctx;
	work_spin_turns(NORMAL_SPIN_TURNS);
	return true;
}

const struct work_type_ops work_ops_rt_starvation = {
	.worker_init = rt_starvation_init,
	.iteration = rt_starvation_iteration,
	.worker_fini = back_to_other,
};
