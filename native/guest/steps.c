/* The steps of a scenario, in order: apply the ops (one `event` each), open
 * the step's window for per-step CPUs and gaps, send `step` start, hold while the session watches the scheduler and the host
 * (re-applying the ops every loop_ms), send `step` end with every running
 * worker's cumulative state. */
#include <stdio.h>

#include "clock.h"
#include "log.h"
#include "messages.h"
#include "phases.h"
#include "scenario.h"

/* Apply the step's ops. Returns false after reporting a failed one. */
static bool apply_ops(struct scenario *sc, const struct cell_step *step)
{
	char error[512];

	for (int i = 0; i < step->n_ops; i++) {
		const struct cell_op *op = &step->ops[i];
		int err = scenario_apply_op(sc, op, error, sizeof(error));

		msg_event(sc->step, sc->cell, op, err ? error : NULL, sc->workers);
		if (err) {
			msg_error("op", -err, "step %d '%s', op %s %s (cell line %d): %s", sc->step,
				  step->name, cell_op_name(op->kind), sc->cell->cgroups[op->cgroup].name,
				  op->line, error);
			return false;
		}
	}
	return true;
}

static enum scenario_end end_of(enum scenario_wait w)
{
	return w == SCENARIO_WAIT_SHUTDOWN ? SCENARIO_SHUTDOWN : SCENARIO_SCHED_EXIT;
}

/* The hold: returns SCENARIO_COMPLETED when it ran to its end. */
static enum scenario_end hold(struct scenario *sc, const struct cell_step *step,
			      scenario_wait_fn wait, void *ctx)
{
	uint64_t start = clock_now_ns();
	long next_loop = step->loop_ms ? step->loop_ms : step->hold_ms;

	for (;;) {
		long elapsed = (long)clock_ms_since(start);
		long until = next_loop < step->hold_ms ? next_loop : step->hold_ms;
		enum scenario_wait w;

		if (elapsed >= step->hold_ms)
			return SCENARIO_COMPLETED;
		if (elapsed < until) {
			w = wait(ctx, until - elapsed);
			if (w != SCENARIO_WAIT_DONE)
				return end_of(w);
			continue;
		}
		/* loop_ms: re-apply at loop_ms, 2 x loop_ms, ... before the end. */
		if (!apply_ops(sc, step))
			return SCENARIO_OP_FAILED;
		next_loop += step->loop_ms;
	}
}

enum scenario_end scenario_run(struct scenario *sc, scenario_wait_fn wait, void *ctx)
{
	const struct cell *cell = sc->cell;

	for (int s = 0; s < cell->n_steps; s++) {
		const struct cell_step *step = &cell->steps[s];
		enum scenario_end end;
		uint64_t start;

		sc->step = s;
		workers_step_begin(sc->workers, s);
		if (!apply_ops(sc, step))
			return SCENARIO_OP_FAILED;
		/* Only now: a worker the ops confine must not have the CPUs it
		 * was on before them counted in this step. */
		workers_step_window_open(sc->workers);
		msg_step_start(s, step->name);
		start = clock_now_ns();
		end = hold(sc, step, wait, ctx);
		if (end == SCENARIO_OP_FAILED)
			return end;
		agent_log("step %d '%s': hold ran %llu ms", s, step->name,
			  (unsigned long long)clock_ms_since(start));
		msg_step_end(s, step->name, sc->workers);
		phase_mark("step end sent");
		if (end != SCENARIO_COMPLETED)
			return end;
	}
	return SCENARIO_COMPLETED;
}
