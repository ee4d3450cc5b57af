/* The cgroup definition blocks of a cell: `cgroup NAME` ... `end`. */
#include <stdio.h>
#include <string.h>

#include "cell_parser.h"
#include "log.h"

int cell_cgroup_open(struct cell_parser *p, char **f, int n)
{
	struct cell *c = p->cell;
	struct cell_cgroup *cg;

	if (cell_expect_fields(p, f, n, 2))
		return -1;
	if (!cell_valid_cgroup_name(f[1]))
		return cell_fail(p, "cgroup: invalid name '%s' (want 1..%d components of "
				 "[A-Za-z0-9_-]{1,%d} joined by '/')",
				 f[1], CELL_NAME_DEPTH_MAX, CELL_NAME_COMPONENT_MAX);
	if (cell_cgroup_find(c, f[1]) >= 0)
		return cell_fail(p, "duplicate cgroup '%s' (line %d)", f[1],
				 c->cgroups[cell_cgroup_find(c, f[1])].line);
	if (c->n_cgroups >= CELL_MAX_CGROUPS)
		return cell_fail(p, "too many cgroups (at most %d)", CELL_MAX_CGROUPS);
	cg = &c->cgroups[c->n_cgroups++];
	memset(cg, 0, sizeof(*cg));
	strcpy(cg->name, f[1]);
	cg->line = p->line;
	cg->parent = -1;
	p->block = CELL_BLOCK_CGROUP;
	p->block_line = p->line;
	p->cg = cg;
	p->seen_work = p->seen_workers = p->seen_clone = p->seen_policy = p->seen_affinity = false;
	p->command_line = 0;
	p->command[0] = '\0';
	p->n_params = 0;
	return 0;
}

int cell_cgroup_command(struct cell_parser *p, const char *value)
{
	if (p->command_line)
		return cell_fail(p, "duplicate 'command'");
	if (value[strspn(value, " \t")] == '\0')
		return cell_fail(p, "command: missing value");
	if (strlen(value) >= sizeof(p->command))
		return cell_fail(p, "command: longer than %zu bytes", sizeof(p->command) - 1);
	strcpy(p->command, value);
	p->command_line = p->line;
	return 0;
}

static int comm_value(struct cell_parser *p, const char *directive, const char *value, char *out)
{
	if (strlen(value) >= CELL_COMM_MAX)
		return cell_fail(p, "%s: '%s' is longer than %d characters (the kernel's TASK_COMM_LEN)",
				 directive, value, CELL_COMM_MAX - 1);
	strcpy(out, value);
	return 0;
}

static int policy_directive(struct cell_parser *p, char **f, int n)
{
	static const char *const names[] = { "normal", "batch", "idle", "fifo", "rr" };
	struct cell_cgroup *cg = p->cg;
	long long v;

	if (cell_once(p, &p->seen_policy, f[0]))
		return -1;
	if (n < 2)
		return cell_fail(p, "policy: missing value");
	for (int i = 0; i < 5; i++) {
		if (strcmp(f[1], names[i]) != 0)
			continue;
		cg->policy = (enum cell_policy)i;
		if (cg->policy == CELL_POLICY_FIFO || cg->policy == CELL_POLICY_RR) {
			if (n < 3)
				return cell_fail(p, "policy %s: missing priority (1..99)", f[1]);
			if (cell_expect_fields(p, f, n, 3) ||
			    cell_parse_ranged(p, "policy priority", f[2], 1, 99, &v))
				return -1;
			cg->priority = (int)v;
			return 0;
		}
		if (n > 2)
			return cell_fail(p, "policy %s takes no priority (only fifo and rr do)", f[1]);
		return 0;
	}
	return cell_fail(p, "policy: unknown policy '%s' (one of: normal | batch | idle | fifo PRIO | rr PRIO)",
			 f[1]);
}

static int worker_affinity_directive(struct cell_parser *p, char **f, int n)
{
	struct cell_cgroup *cg = p->cg;
	struct cell_worker_affinity *wa;
	char text[CELL_CPULIST_MAX];
	long long v;

	if (cell_expect_fields(p, f, n, 3) ||
	    cell_parse_ranged(p, "worker_affinity", f[1], 0, CELL_MAX_BATCH - 1, &v))
		return -1;
	for (int i = 0; i < cg->n_worker_affinity; i++)
		if (cg->worker_affinity[i].worker == v)
			return cell_fail(p, "duplicate worker_affinity for worker %lld", v);
	if (cg->n_worker_affinity >= CELL_MAX_WORKER_AFFINITY)
		return cell_fail(p, "too many worker_affinity lines (at most %d)",
				 CELL_MAX_WORKER_AFFINITY);
	wa = &cg->worker_affinity[cg->n_worker_affinity];
	if (cell_parse_cpulist(p, "worker_affinity", f[2], text, sizeof(text), &wa->cpus))
		return -1;
	if (text[0] == '\0')
		return cell_fail(p, "worker_affinity: empty cpulist");
	wa->worker = (int)v;
	cg->n_worker_affinity++;
	return 0;
}

int cell_cgroup_directive(struct cell_parser *p, char **f, int n)
{
	struct cell_cgroup *cg = p->cg;
	const char *d = f[0];
	long long v;

	if (strcmp(d, "end") == 0) {
		if (cell_expect_fields(p, f, n, 1))
			return -1;
		return cell_cgroup_close(p);
	}
	if (strcmp(d, "policy") == 0)
		return policy_directive(p, f, n);
	if (strcmp(d, "worker_affinity") == 0)
		return worker_affinity_directive(p, f, n);
	if (strcmp(d, "param") == 0) {
		struct cell_pending_param *pp;

		if (cell_expect_fields(p, f, n, 3))
			return -1;
		if (strlen(f[1]) >= sizeof(pp->name))
			return cell_fail(p, "param: name '%s' is too long", f[1]);
		if (!cell_parse_integer(f[2], &v))
			return cell_fail(p, "param %s: '%s' is not an integer", f[1], f[2]);
		for (int i = 0; i < p->n_params; i++)
			if (strcmp(p->params[i].name, f[1]) == 0)
				return cell_fail(p, "duplicate param '%s'", f[1]);
		if (p->n_params >= CELL_MAX_PARAMS_PER_CGROUP)
			return cell_fail(p, "too many param lines");
		pp = &p->params[p->n_params++];
		pp->line = p->line;
		strcpy(pp->name, f[1]);
		pp->value = v;
		return 0;
	}
	if (cell_expect_fields(p, f, n, 2))
		return -1;
	if (strcmp(d, "cpuset") == 0) {
		if (cell_once(p, &cg->has_cpuset, d) ||
		    cell_parse_cpulist(p, d, f[1], cg->cpuset, sizeof(cg->cpuset), NULL))
			return -1;
	} else if (strcmp(d, "weight") == 0) {
		if (cell_once(p, &cg->has_weight, d) || cell_parse_ranged(p, d, f[1], 1, 10000, &v))
			return -1;
		cg->weight = (int)v;
	} else if (strcmp(d, "workers") == 0) {
		if (cell_once(p, &p->seen_workers, d) ||
		    cell_parse_ranged(p, d, f[1], 1, CELL_MAX_BATCH, &v))
			return -1;
		cg->workers = (int)v;
	} else if (strcmp(d, "work") == 0) {
		int kind;

		if (cell_once(p, &p->seen_work, d))
			return -1;
		kind = work_kind_from_name(f[1]);
		if (kind < 0)
			return cell_fail(p, "work: unknown work type '%s' (one of: %s)", f[1],
					 work_kind_all_names());
		cg->work = (enum work_kind)kind;
	} else if (strcmp(d, "clone") == 0) {
		if (cell_once(p, &p->seen_clone, d))
			return -1;
		if (strcmp(f[1], "fork") == 0)
			cg->clone = CELL_CLONE_FORK;
		else if (strcmp(f[1], "thread") == 0)
			cg->clone = CELL_CLONE_THREAD;
		else
			return cell_fail(p, "clone: '%s' is not fork or thread", f[1]);
	} else if (strcmp(d, "pcomm") == 0) {
		if (cell_once(p, &cg->has_pcomm, d) || comm_value(p, d, f[1], cg->pcomm))
			return -1;
	} else if (strcmp(d, "comm") == 0) {
		if (cell_once(p, &cg->has_comm, d) || comm_value(p, d, f[1], cg->comm))
			return -1;
	} else if (strcmp(d, "nice") == 0) {
		if (cell_once(p, &cg->has_nice, d) || cell_parse_ranged(p, d, f[1], -20, 19, &v))
			return -1;
		cg->nice = (int)v;
	} else if (strcmp(d, "affinity") == 0) {
		char text[CELL_CPULIST_MAX];

		if (cell_once(p, &cg->has_affinity, d) ||
		    cell_parse_cpulist(p, d, f[1], text, sizeof(text), &cg->affinity))
			return -1;
		if (text[0] == '\0')
			return cell_fail(p, "affinity: empty cpulist");
	} else {
		return cell_fail(p, "'%s' is not a cgroup block line (cpuset weight workers work "
				 "param command clone pcomm comm nice policy affinity worker_affinity end)",
				 d);
	}
	return 0;
}

/* The params are applied once the work type is known. */
static int apply_params(struct cell_parser *p)
{
	struct cell_cgroup *cg = p->cg;

	work_params_default(cg->work, &cg->params);
	for (int i = 0; i < p->n_params; i++) {
		struct cell_pending_param *pp = &p->params[i];
		long long min, max;

		p->line = pp->line;
		switch (work_param_set(cg->work, &cg->params, pp->name, pp->value)) {
		case WORK_PARAM_OK:
			break;
		case WORK_PARAM_UNUSED:
			/* Accepted so the host may emit parameters uniformly. */
			agent_log("cell line %d: param %s is not used by work type %s; ignored",
				  pp->line, pp->name, work_kind_name(cg->work));
			break;
		case WORK_PARAM_UNKNOWN:
			return cell_fail(p, "unknown param '%s' (no work type has it)", pp->name);
		case WORK_PARAM_OUT_OF_RANGE:
			if (work_param_range(pp->name, &min, &max))
				return cell_fail(p, "param %s: %lld is out of range [%lld, %lld]",
						 pp->name, pp->value, min, max);
			return cell_fail(p, "param %s: %lld is out of range", pp->name, pp->value);
		}
	}
	return 0;
}

/* A definition without workers is a pure parent: only its cgroup files. */
static int check_pure_parent(struct cell_parser *p)
{
	struct cell_cgroup *cg = p->cg;
	const char *stray = NULL;

	if (p->seen_work)
		stray = "work";
	else if (p->n_params)
		stray = "param";
	else if (p->command_line)
		stray = "command";
	else if (p->seen_clone)
		stray = "clone";
	else if (cg->has_pcomm)
		stray = "pcomm";
	else if (cg->has_comm)
		stray = "comm";
	else if (cg->has_nice)
		stray = "nice";
	else if (p->seen_policy)
		stray = "policy";
	else if (cg->has_affinity)
		stray = "affinity";
	else if (cg->n_worker_affinity)
		stray = "worker_affinity";
	if (stray)
		return cell_fail(p, "cgroup '%s' (line %d) has '%s' but no 'workers' line "
				 "(a definition without workers is a pure parent: only cpuset and weight)",
				 cg->name, cg->line, stray);
	return 0;
}

int cell_cgroup_close(struct cell_parser *p)
{
	struct cell_cgroup *cg = p->cg;
	int end_line = p->line;

	if (!p->seen_workers) {
		if (check_pure_parent(p))
			return -1;
		p->block = CELL_BLOCK_NONE;
		return 0;
	}
	if (!p->seen_work)
		return cell_fail(p, "cgroup '%s' (line %d) has no 'work' line", cg->name, cg->line);
	if (cg->work == WORK_CUSTOM && !p->command_line)
		return cell_fail(p, "cgroup '%s' (line %d): work custom needs a 'command' line",
				 cg->name, cg->line);
	if (cg->work != WORK_CUSTOM && p->command_line) {
		p->line = p->command_line;
		return cell_fail(p, "'command' is only for work custom (cgroup '%s' has work %s)",
				 cg->name, work_kind_name(cg->work));
	}
	if (cg->has_pcomm) {
		if (p->seen_clone && cg->clone == CELL_CLONE_FORK)
			return cell_fail(p, "cgroup '%s' (line %d): 'pcomm' needs clone thread, "
					 "not clone fork", cg->name, cg->line);
		cg->clone = CELL_CLONE_THREAD;
	}
	for (int i = 0; i < cg->n_worker_affinity; i++)
		if (cg->worker_affinity[i].worker >= cg->workers)
			return cell_fail(p, "cgroup '%s' (line %d): worker_affinity for worker %d, "
					 "but a batch has %d workers (0..%d)",
					 cg->name, cg->line, cg->worker_affinity[i].worker,
					 cg->workers, cg->workers - 1);
	if (apply_params(p))
		return -1;
	snprintf(cg->params.command, sizeof(cg->params.command), "%s", p->command);
	p->line = end_line;
	p->block = CELL_BLOCK_NONE;
	return 0;
}
