/* One op of a step, applied to the running scenario. The parser already
 * checked that the cgroups it names are present (or absent for `add`), so
 * a failure here is the kernel's refusal, reported with what was tried. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "phases.h"
#include "scenario.h"

static int add(struct scenario *sc, int def, char *error, size_t size)
{
	const struct cell_cgroup *cg = &sc->cell->cgroups[def];
	int err = cgroup_create(cg->name, cg->has_cpuset ? cg->cpuset : NULL,
				cg->has_weight ? cg->weight : 0, error, size);

	if (err)
		return err;
	phase_mark("cgroup created");
	sc->present[def] = true;
	if (cg->workers == 0)
		return 0;
	return workers_start_batch(sc->workers, def, cg->workers, error, size);
}

static bool below(const struct cell *c, int a, int b)
{
	size_t n = strlen(c->cgroups[a].name);

	return strncmp(c->cgroups[b].name, c->cgroups[a].name, n) == 0 && c->cgroups[b].name[n] == '/';
}

/* Stop the workers in x and in every cgroup below it, then remove the
 * directories, deepest first. */
static int remove_cgroup(struct scenario *sc, int x, char *error, size_t size)
{
	const struct cell *c = sc->cell;

	for (int i = 0; i < c->n_cgroups; i++) {
		if (i != x && !below(c, x, i))
			continue;
		workers_stop_in(sc->workers, i, CELL_COUNT_ALL);
		sc->present[i] = false;
	}
	return cgroup_remove_tree(c->cgroups[x].name, error, size);
}

static int swap_cpusets(struct scenario *sc, int a, int b, char *error, size_t size)
{
	const char *na = sc->cell->cgroups[a].name, *nb = sc->cell->cgroups[b].name;
	char ca[CELL_CPULIST_MAX * 4], cb[CELL_CPULIST_MAX * 4];
	int err;

	if ((err = cgroup_get_cpuset(na, ca, sizeof(ca)))) {
		snprintf(error, size, "read %s/%s/cpuset.cpus", CGROUP_ROOT, na);
		return err;
	}
	if ((err = cgroup_get_cpuset(nb, cb, sizeof(cb)))) {
		snprintf(error, size, "read %s/%s/cpuset.cpus", CGROUP_ROOT, nb);
		return err;
	}
	if ((err = cgroup_set_cpuset(na, cb, error, size)))
		return err;
	return cgroup_set_cpuset(nb, ca, error, size);
}

int scenario_apply_op(struct scenario *sc, const struct cell_op *op, char *error, size_t size)
{
	const char *name = sc->cell->cgroups[op->cgroup].name;
	int err = 0;

	error[0] = '\0';
	switch (op->kind) {
	case CELL_OP_ADD:
		err = add(sc, op->cgroup, error, size);
		break;
	case CELL_OP_REMOVE:
		err = remove_cgroup(sc, op->cgroup, error, size);
		break;
	case CELL_OP_SET_CPUSET:
		err = cgroup_set_cpuset(name, op->cpus, error, size);
		break;
	case CELL_OP_CLEAR_CPUSET:
		err = cgroup_set_cpuset(name, "", error, size);
		break;
	case CELL_OP_SWAP_CPUSET:
		err = swap_cpusets(sc, op->cgroup, op->other, error, size);
		break;
	case CELL_OP_SPAWN:
		err = workers_start_batch(sc->workers, op->cgroup, op->count, error, size);
		break;
	case CELL_OP_STOP:
		workers_stop_in(sc->workers, op->cgroup, op->count);
		break;
	case CELL_OP_SET_AFFINITY:
		err = workers_set_affinity(sc->workers, op->cgroup, op->all_cpus ? NULL : &op->mask,
					   error, size);
		break;
	case CELL_OP_MOVE:
		err = workers_move(sc->workers, op->cgroup, op->other, error, size);
		break;
	}
	if (err) {
		size_t n = strlen(error);

		snprintf(error + n, size - n, "%s%s", n ? ": " : "", strerror(-err));
	}
	return err;
}
