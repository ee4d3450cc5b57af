/* A human-readable summary of a parsed cell, printed by
 * `ktstr-guest --check-cell` so that whoever writes a cell by hand sees
 * how the agent understood it. */
#include <stdio.h>

#include "cell_config.h"

static void describe_cgroup(FILE *out, const struct cell_cgroup *cg)
{
	fprintf(out, "  cgroup %s:", cg->name);
	if (cg->has_cpuset)
		fprintf(out, " cpuset=%s", cg->cpuset);
	if (cg->has_weight)
		fprintf(out, " weight=%d", cg->weight);
	if (cg->workers == 0) {
		fprintf(out, " (parent, no workers)\n");
		return;
	}
	fprintf(out, " %d x %s clone=%s", cg->workers, work_kind_name(cg->work),
		cell_clone_name(cg->clone));
	if (cg->has_pcomm)
		fprintf(out, " pcomm=%s", cg->pcomm);
	if (cg->has_comm)
		fprintf(out, " comm=%s", cg->comm);
	if (cg->has_nice)
		fprintf(out, " nice=%d", cg->nice);
	fprintf(out, " policy=%s", cell_policy_name(cg->policy));
	if (cg->policy == CELL_POLICY_FIFO || cg->policy == CELL_POLICY_RR)
		fprintf(out, "/%d", cg->priority);
	if (cg->has_affinity)
		fprintf(out, " affinity");
	if (cg->n_worker_affinity)
		fprintf(out, " worker_affinity x%d", cg->n_worker_affinity);
	if (cg->work == WORK_CUSTOM)
		fprintf(out, " command=%s", cg->params.command);
	fprintf(out, "\n");
}

void cell_describe(FILE *out, const struct cell *cell)
{
	fprintf(out, "ok: scheduler %s (%d args), timeout %ld ms, settle %ld ms\n",
		cell->has_scheduler ? cell->scheduler : "(none: EEVDF)", cell->n_sched_args,
		cell->sched_timeout_ms, cell->settle_ms);
	for (int i = 0; i < cell->n_sched_env; i++)
		fprintf(out, "  sched_env %s\n", cell->sched_env[i]);
	if (cell->has_collect)
		fprintf(out, "  collect %s\n", cell->collect);
	if (cell->mode == CELL_MODE_EXEC) {
		fprintf(out, "  exec: %s\n", cell->exec_command);
		return;
	}
	if (cell->mode == CELL_MODE_SHELL) {
		fprintf(out, "  shell: TERM=%s\n", cell->has_term ? cell->term : "(default)");
		return;
	}
	for (int i = 0; i < cell->n_cgroups; i++)
		describe_cgroup(out, &cell->cgroups[i]);
	for (int s = 0; s < cell->n_steps; s++) {
		const struct cell_step *step = &cell->steps[s];

		fprintf(out, "  step %d %s: hold %ld ms", s, step->name, step->hold_ms);
		if (step->loop_ms)
			fprintf(out, ", ops every %ld ms", step->loop_ms);
		fprintf(out, "\n");
		for (int o = 0; o < step->n_ops; o++) {
			const struct cell_op *op = &step->ops[o];

			fprintf(out, "    %s %s", cell_op_name(op->kind), cell->cgroups[op->cgroup].name);
			if (op->other >= 0)
				fprintf(out, " %s", cell->cgroups[op->other].name);
			if (op->kind == CELL_OP_SET_CPUSET || op->kind == CELL_OP_SET_AFFINITY)
				fprintf(out, " %s", op->cpus);
			if (op->kind == CELL_OP_SPAWN || op->kind == CELL_OP_STOP) {
				if (op->count == CELL_COUNT_ALL)
					fprintf(out, " all");
				else
					fprintf(out, " %d", op->count);
			}
			fprintf(out, "\n");
		}
	}
}
