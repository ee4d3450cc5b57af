/* The step blocks of a cell: `step NAME`, `op ...` lines, `hold_ms`,
 * `loop_ms`, `end`. The cgroups an op names must be defined earlier in the
 * cell; whether they are present at that point is checked with the whole
 * scenario (cell_scenario_check.c). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cell_parser.h"

static bool valid_step_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CELL_STEP_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

int cell_step_open(struct cell_parser *p, char **f, int n)
{
	struct cell *c = p->cell;
	struct cell_step *step;

	if (cell_expect_fields(p, f, n, 2))
		return -1;
	if (!valid_step_name(f[1]))
		return cell_fail(p, "step: invalid name '%s' (want [A-Za-z0-9_.-]{1,%d})", f[1],
				 CELL_STEP_NAME_MAX - 1);
	if (c->n_steps >= CELL_MAX_STEPS)
		return cell_fail(p, "too many steps (at most %d)", CELL_MAX_STEPS);
	/* Steps are large (their ops): grow the table one step at a time. */
	step = realloc(c->steps, (size_t)(c->n_steps + 1) * sizeof(*c->steps));
	if (!step)
		return cell_fail(p, "out of memory");
	c->steps = step;
	step = &c->steps[c->n_steps++];
	memset(step, 0, sizeof(*step));
	strcpy(step->name, f[1]);
	step->line = p->line;
	p->block = CELL_BLOCK_STEP;
	p->block_line = p->line;
	p->step = step;
	p->seen_hold = p->seen_loop = false;
	return 0;
}

/* An op's cgroup: its definition must come before the step. Whether the
 * cgroup is present at that point is cell_scenario_check's business. */
static int op_cgroup(struct cell_parser *p, const char *op, const char *name, int *out)
{
	int index = cell_cgroup_find(p->cell, name);

	if (!cell_valid_cgroup_name(name))
		return cell_fail(p, "op %s: invalid cgroup name '%s'", op, name);
	if (index < 0)
		return cell_fail(p, "op %s: cgroup '%s' is not defined (definitions come before the steps)",
				 op, name);
	*out = index;
	return 0;
}

static int op_count(struct cell_parser *p, const char *op, const char *text, bool allow_all,
		    int *out)
{
	long long v;

	if (allow_all && strcmp(text, "all") == 0) {
		*out = CELL_COUNT_ALL;
		return 0;
	}
	if (!cell_parse_integer(text, &v))
		return cell_fail(p, "op %s: count '%s' is not an integer%s", op, text,
				 allow_all ? " or 'all'" : "");
	if (v < 1 || v > CELL_MAX_BATCH)
		return cell_fail(p, "op %s: count %lld is out of range [1, %d]", op, v, CELL_MAX_BATCH);
	*out = (int)v;
	return 0;
}

static int op_directive(struct cell_parser *p, char **f, int n)
{
	static const struct {
		const char *name;
		enum cell_op_kind kind;
		int fields; /* after "op NAME" */
	} ops[] = {
		{ "add", CELL_OP_ADD, 1 },
		{ "remove", CELL_OP_REMOVE, 1 },
		{ "set_cpuset", CELL_OP_SET_CPUSET, 2 },
		{ "clear_cpuset", CELL_OP_CLEAR_CPUSET, 1 },
		{ "swap_cpuset", CELL_OP_SWAP_CPUSET, 2 },
		{ "spawn", CELL_OP_SPAWN, 1 }, /* optional count: 1 or 2 */
		{ "stop", CELL_OP_STOP, 2 },
		{ "set_affinity", CELL_OP_SET_AFFINITY, 2 },
		{ "move", CELL_OP_MOVE, 2 },
	};
	struct cell_step *step = p->step;
	struct cell_op *op;
	const char *name;
	int args, want = -1;

	if (n < 2)
		return cell_fail(p, "op: missing operation");
	name = f[1];
	args = n - 2;
	if (step->n_ops >= CELL_MAX_OPS_PER_STEP)
		return cell_fail(p, "too many ops in step '%s' (at most %d)", step->name,
				 CELL_MAX_OPS_PER_STEP);
	op = &step->ops[step->n_ops];
	memset(op, 0, sizeof(*op));
	op->line = p->line;
	op->other = -1;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(ops[i].name, name) == 0) {
			op->kind = ops[i].kind;
			want = ops[i].fields;
			break;
		}
	}
	if (want < 0)
		return cell_fail(p, "op: unknown operation '%s' (add remove set_cpuset clear_cpuset "
				 "swap_cpuset spawn stop set_affinity move)", name);
	if (args == 0)
		return cell_fail(p, "op %s: missing cgroup", name);
	if (op->kind == CELL_OP_SPAWN ? args > 2 : args != want)
		return args < want ? cell_fail(p, "op %s: missing value", name)
				   : cell_fail(p, "op %s: unexpected extra field '%s'", name,
					       f[2 + (op->kind == CELL_OP_SPAWN ? 2 : want)]);
	if (op_cgroup(p, name, f[2], &op->cgroup))
		return -1;

	switch (op->kind) {
	case CELL_OP_ADD:
	case CELL_OP_REMOVE:
	case CELL_OP_CLEAR_CPUSET:
		break;
	case CELL_OP_SET_CPUSET:
		if (cell_parse_cpulist(p, "op set_cpuset", f[3], op->cpus, sizeof(op->cpus), &op->mask))
			return -1;
		break;
	case CELL_OP_SWAP_CPUSET:
	case CELL_OP_MOVE:
		if (op_cgroup(p, name, f[3], &op->other))
			return -1;
		if (op->other == op->cgroup)
			return cell_fail(p, "op %s: both cgroups are '%s'", name, f[2]);
		break;
	case CELL_OP_SPAWN:
		op->count = 0; /* the definition's `workers`, filled in by the scenario check */
		if (args == 2 && op_count(p, name, f[3], false, &op->count))
			return -1;
		break;
	case CELL_OP_STOP:
		if (op_count(p, name, f[3], true, &op->count))
			return -1;
		break;
	case CELL_OP_SET_AFFINITY:
		if (strcmp(f[3], "all") == 0) {
			op->all_cpus = true;
			strcpy(op->cpus, "all");
		} else {
			if (cell_parse_cpulist(p, "op set_affinity", f[3], op->cpus, sizeof(op->cpus),
					       &op->mask))
				return -1;
			if (op->cpus[0] == '\0')
				return cell_fail(p, "op set_affinity: empty cpulist (use 'all')");
		}
		break;
	}
	step->n_ops++;
	return 0;
}

int cell_step_directive(struct cell_parser *p, char **f, int n)
{
	struct cell_step *step = p->step;
	const char *d = f[0];
	long long v;

	if (strcmp(d, "op") == 0)
		return op_directive(p, f, n);
	if (strcmp(d, "hold_ms") == 0) {
		if (cell_expect_fields(p, f, n, 2) || cell_once(p, &p->seen_hold, d) ||
		    cell_parse_ranged(p, d, f[1], 1, CELL_MAX_DURATION_MS, &v))
			return -1;
		step->hold_ms = (long)v;
	} else if (strcmp(d, "loop_ms") == 0) {
		if (cell_expect_fields(p, f, n, 2) || cell_once(p, &p->seen_loop, d) ||
		    cell_parse_ranged(p, d, f[1], 1, CELL_MAX_DURATION_MS, &v))
			return -1;
		step->loop_ms = (long)v;
	} else if (strcmp(d, "end") == 0) {
		if (cell_expect_fields(p, f, n, 1))
			return -1;
		return cell_step_close(p);
	} else {
		return cell_fail(p, "'%s' is not a step block line (op hold_ms loop_ms end)", d);
	}
	return 0;
}

int cell_step_close(struct cell_parser *p)
{
	struct cell_step *step = p->step;

	if (!p->seen_hold)
		return cell_fail(p, "step '%s' (line %d) has no 'hold_ms' line", step->name, step->line);
	if (step->loop_ms && step->n_ops == 0)
		return cell_fail(p, "step '%s' (line %d) has loop_ms but no ops to re-apply",
				 step->name, step->line);
	/* A re-applied add, remove, spawn or stop would change which cgroups
	 * and how many workers exist by the clock, which no rule of the
	 * scenario could check beforehand. */
	for (int i = 0; step->loop_ms && i < step->n_ops; i++) {
		enum cell_op_kind k = step->ops[i].kind;

		if (k == CELL_OP_ADD || k == CELL_OP_REMOVE || k == CELL_OP_SPAWN || k == CELL_OP_STOP) {
			p->line = step->ops[i].line;
			return cell_fail(p, "op %s in step '%s' with loop_ms: only set_cpuset, "
					 "clear_cpuset, swap_cpuset, set_affinity and move can be re-applied",
					 cell_op_name(k), step->name);
		}
	}
	p->block = CELL_BLOCK_NONE;
	return 0;
}
