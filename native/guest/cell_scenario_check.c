/* The scenario rules that need the whole cell (docs/guest-protocol.md,
 * "Rules"): the steps are played on paper, in step order and op order,
 * tracking which cgroups are present and how many workers run in each, so
 * that an op on an absent cgroup, a worker in an inner node of the
 * hierarchy or too many workers is refused before anything runs. */
#include <string.h>

#include "cell_parser.h"

struct paper {
	bool present[CELL_MAX_CGROUPS];
	int running[CELL_MAX_CGROUPS]; /* workers located in each cgroup */
	int alive;
	int started;
};

/* Whether b is a (strict) descendant of a: "a/..." under a's path. */
static bool is_descendant(const struct cell *c, int a, int b)
{
	size_t n = strlen(c->cgroups[a].name);

	return strncmp(c->cgroups[b].name, c->cgroups[a].name, n) == 0 && c->cgroups[b].name[n] == '/';
}

/* Workers may only be in leaves: adding x must not put a cgroup that has
 * (or may get) workers above or below another present cgroup. */
static int check_leaf(struct cell_parser *p, const struct paper *w, int x)
{
	const struct cell *c = p->cell;

	for (int i = 0; i < c->n_cgroups; i++) {
		if (!w->present[i] || i == x)
			continue;
		if (is_descendant(c, x, i) && (c->cgroups[x].workers > 0))
			return cell_fail(p, "op add %s: it has workers and '%s' below it is present "
					 "(workers only run in leaf cgroups)",
					 c->cgroups[x].name, c->cgroups[i].name);
		if (is_descendant(c, i, x) && (c->cgroups[i].workers > 0 || w->running[i] > 0))
			return cell_fail(p, "op add %s: its ancestor '%s' has workers "
					 "(workers only run in leaf cgroups)",
					 c->cgroups[x].name, c->cgroups[i].name);
	}
	return 0;
}

static int need_present(struct cell_parser *p, const struct paper *w, const struct cell_op *op,
			int index)
{
	if (!w->present[index])
		return cell_fail(p, "op %s: cgroup '%s' is not present here (add it in an earlier op; "
				 "a removed cgroup must be added again)",
				 cell_op_name(op->kind), p->cell->cgroups[index].name);
	return 0;
}

static int start_workers(struct cell_parser *p, struct paper *w, const struct cell_op *op, int n)
{
	w->running[op->cgroup] += n;
	w->alive += n;
	w->started += n;
	if (w->alive > CELL_MAX_ALIVE_WORKERS)
		return cell_fail(p, "op %s %s: %d workers would run at once (at most %d)",
				 cell_op_name(op->kind), p->cell->cgroups[op->cgroup].name, w->alive,
				 CELL_MAX_ALIVE_WORKERS);
	if (w->started > CELL_MAX_RUN_WORKERS)
		return cell_fail(p, "op %s %s: %d workers started over the run (at most %d)",
				 cell_op_name(op->kind), p->cell->cgroups[op->cgroup].name, w->started,
				 CELL_MAX_RUN_WORKERS);
	return 0;
}

static void remove_tree(const struct cell *c, struct paper *w, int x)
{
	for (int i = 0; i < c->n_cgroups; i++) {
		if (i != x && !is_descendant(c, x, i))
			continue;
		w->alive -= w->running[i];
		w->running[i] = 0;
		w->present[i] = false;
	}
}

static int play_op(struct cell_parser *p, struct paper *w, struct cell_op *op)
{
	const struct cell *c = p->cell;
	const struct cell_cgroup *cg = &c->cgroups[op->cgroup];

	p->line = op->line;
	if (op->kind == CELL_OP_ADD) {
		if (w->present[op->cgroup])
			return cell_fail(p, "op add %s: it is already present", cg->name);
		if (check_leaf(p, w, op->cgroup))
			return -1;
		w->present[op->cgroup] = true;
		return start_workers(p, w, op, cg->workers);
	}
	if (need_present(p, w, op, op->cgroup) ||
	    (op->other >= 0 && need_present(p, w, op, op->other)))
		return -1;
	switch (op->kind) {
	case CELL_OP_REMOVE:
		remove_tree(c, w, op->cgroup);
		break;
	case CELL_OP_SPAWN:
		if (cg->workers == 0)
			return cell_fail(p, "op spawn %s: its definition has no workers", cg->name);
		if (op->count == 0)
			op->count = cg->workers;
		return start_workers(p, w, op, op->count);
	case CELL_OP_STOP: {
		int n = op->count == CELL_COUNT_ALL ? w->running[op->cgroup] : op->count;

		if (n > w->running[op->cgroup])
			return cell_fail(p, "op stop %s %d: only %d of its workers run here",
					 cg->name, n, w->running[op->cgroup]);
		w->running[op->cgroup] -= n;
		w->alive -= n;
		break;
	}
	case CELL_OP_MOVE:
		for (int i = 0; i < c->n_cgroups; i++)
			if (w->present[i] && is_descendant(c, op->other, i))
				return cell_fail(p, "op move %s %s: '%s' has the cgroup '%s' below it "
						 "(workers only run in leaf cgroups)", cg->name,
						 c->cgroups[op->other].name, c->cgroups[op->other].name,
						 c->cgroups[i].name);
		w->running[op->other] += w->running[op->cgroup];
		w->running[op->cgroup] = 0;
		break;
	case CELL_OP_ADD:
	case CELL_OP_SET_CPUSET:
	case CELL_OP_CLEAR_CPUSET:
	case CELL_OP_SWAP_CPUSET:
	case CELL_OP_SET_AFFINITY:
		break;
	}
	return 0;
}

int cell_scenario_check(struct cell_parser *p)
{
	struct cell *c = p->cell;
	struct paper w;

	memset(&w, 0, sizeof(w));
	for (int i = 0; i < c->n_cgroups; i++) {
		/* The nearest defined ancestor, for the engine's bookkeeping. */
		c->cgroups[i].parent = -1;
		for (int j = 0; j < c->n_cgroups; j++)
			if (is_descendant(c, j, i) &&
			    (c->cgroups[i].parent < 0 ||
			     strlen(c->cgroups[j].name) > strlen(c->cgroups[c->cgroups[i].parent].name)))
				c->cgroups[i].parent = j;
	}
	for (int s = 0; s < c->n_steps; s++)
		for (int o = 0; o < c->steps[s].n_ops; o++)
			if (play_op(p, &w, &c->steps[s].ops[o]))
				return -1;
	p->line = 0;
	return 0;
}
