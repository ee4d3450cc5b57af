/* Work types that keep changing something the scheduler tracks about a
 * task: its existence, weight, CPUs, class or cgroup. Each changes only the
 * calling thread, so they behave the same under clone fork and clone
 * thread, except cgroup_churn (see there). Workers put back what they
 * changed in work_worker_fini. */
#include "work/batch.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- fork_exit ---- */

static int fork_exit_init(struct work_ctx *ctx)
{
	(void)ctx;
	/* Reaping our own children needs SIGCHLD not ignored. */
	signal(SIGCHLD, SIG_DFL);
	return 0;
}

static bool fork_exit_iteration(struct work_ctx *ctx)
{
	pid_t child = fork();

	if (child == 0)
		_exit(0);
	if (child < 0) {
		if (!ctx->note[0])
			snprintf(ctx->note, sizeof(ctx->note), "fork: %s", strerror(errno));
		return !work_stopped(ctx);
	}
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	return true;
}

const struct work_type_ops work_ops_fork_exit = {
	.worker_init = fork_exit_init,
	.iteration = fork_exit_iteration,
};

/* ---- nice_sweep: -20, -19, ..., 19, -20, ... ---- */

struct nice_state {
	int original;
	int next;
};

static int nice_sweep_init(struct work_ctx *ctx)
{
	struct nice_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	errno = 0;
	st->original = getpriority(PRIO_PROCESS, (id_t)work_gettid());
	st->next = -20 + ctx->index % 40;
	ctx->state = st;
	return 0;
}

static bool nice_sweep_iteration(struct work_ctx *ctx)
{
	struct nice_state *st = ctx->state;

	/* PRIO_PROCESS with a tid changes only that thread on Linux. */
	if (setpriority(PRIO_PROCESS, (id_t)work_gettid(), st->next) != 0 && !ctx->note[0])
		snprintf(ctx->note, sizeof(ctx->note), "setpriority(%d): %s", st->next,
			 strerror(errno));
	st->next = st->next == 19 ? -20 : st->next + 1;
	return work_spin_us(ctx, WORK_PARAM(ctx, 0));
}

static void nice_sweep_fini(struct work_ctx *ctx)
{
	struct nice_state *st = ctx->state;

	if (!st)
		return;
	setpriority(PRIO_PROCESS, (id_t)work_gettid(), st->original);
	free(st);
	ctx->state = NULL;
}

const struct work_type_ops work_ops_nice_sweep = {
	.worker_init = nice_sweep_init,
	.iteration = nice_sweep_iteration,
	.worker_fini = nice_sweep_fini,
};

/* ---- affinity_churn and numa_migration_churn: a cycle of CPU masks ---- */

struct mask_cycle {
	struct cpu_mask *masks;
	int count;
	int next;
	struct cpu_mask original;
};

static int mask_cycle_alloc(struct work_ctx *ctx, int count)
{
	struct mask_cycle *st = calloc(1, sizeof(*st));
	cpu_set_t now;

	if (!st)
		return -ENOMEM;
	ctx->state = st;
	st->masks = calloc((size_t)(count > 0 ? count : 1), sizeof(struct cpu_mask));
	if (!st->masks)
		return -ENOMEM;
	CPU_ZERO(&now);
	if (sched_getaffinity(0, sizeof(now), &now) == 0)
		for (int c = 0; c < CPU_SETSIZE && c < CPU_MAX; c++)
			if (CPU_ISSET(c, &now))
				cpu_mask_set(&st->original, c);
	return 0;
}

/* The batch's allowed CPUs, or the worker's current ones when the batch
 * was given none. */
static int allowed_or_current(struct work_ctx *ctx, int *cpus, int max)
{
	struct mask_cycle *st = ctx->state;
	int n = work_allowed_cpus(ctx->batch, cpus, max);

	for (int c = 0; n == 0 && c < CPU_MAX; c++)
		if (cpu_mask_test(&st->original, c))
			cpus[n++] = c;
	return n;
}

static int affinity_churn_init(struct work_ctx *ctx)
{
	int *cpus = calloc(CPU_MAX, sizeof(int));
	struct mask_cycle *st;
	int n, rc;

	if (!cpus)
		return -ENOMEM;
	rc = mask_cycle_alloc(ctx, CPU_MAX);
	if (rc == 0) {
		st = ctx->state;
		n = allowed_or_current(ctx, cpus, CPU_MAX);
		for (int i = 0; i < n; i++)
			cpu_mask_set(&st->masks[st->count++], cpus[i]);
		/* Start the workers on different CPUs. */
		st->next = st->count ? ctx->index % st->count : 0;
		if (st->count < 2)
			snprintf(ctx->note, sizeof(ctx->note), "one allowed CPU: no migrations");
	}
	free(cpus);
	return rc;
}

static int numa_migration_churn_init(struct work_ctx *ctx)
{
	const struct work_batch *b = ctx->batch;
	int *cpus = calloc(CPU_MAX, sizeof(int));
	int *nodes = calloc(CPU_MAX, sizeof(int));
	struct mask_cycle *st;
	int n, rc = -ENOMEM;

	if (!cpus || !nodes)
		goto out;
	rc = mask_cycle_alloc(ctx, CPU_MAX);
	if (rc != 0)
		goto out;
	st = ctx->state;
	n = allowed_or_current(ctx, cpus, CPU_MAX);
	/* One mask per node, in order of the nodes' first allowed CPU; CPUs
	 * of an unknown node count as node 0. */
	for (int i = 0; i < n; i++) {
		int node = cpus[i] < b->env.n_cpus ? b->cpu_node[cpus[i]] : -1;
		int m;

		if (node < 0)
			node = 0;
		for (m = 0; m < st->count && nodes[m] != node; m++)
			;
		if (m == st->count)
			nodes[st->count++] = node;
		cpu_mask_set(&st->masks[m], cpus[i]);
	}
	st->next = st->count ? ctx->index % st->count : 0;
	if (st->count < 2)
		snprintf(ctx->note, sizeof(ctx->note),
			 "one NUMA node in the allowed CPUs: no cross-node migrations");
out:
	free(cpus);
	free(nodes);
	return rc;
}

static bool mask_cycle_iteration(struct work_ctx *ctx, long long burst_us)
{
	struct mask_cycle *st = ctx->state;

	if (st->count > 0) {
		int rc = work_pin_mask(&st->masks[st->next]);

		if (rc != 0 && !ctx->note[0])
			snprintf(ctx->note, sizeof(ctx->note), "sched_setaffinity: %s",
				 strerror(-rc));
		st->next = (st->next + 1) % st->count;
	}
	return work_spin_us(ctx, burst_us);
}

static bool affinity_churn_iteration(struct work_ctx *ctx)
{
	return mask_cycle_iteration(ctx, WORK_PARAM(ctx, 0));
}

static void mask_cycle_fini(struct work_ctx *ctx)
{
	struct mask_cycle *st = ctx->state;

	if (!st)
		return;
	work_pin_mask(&st->original);
	free(st->masks);
	free(st);
	ctx->state = NULL;
}

const struct work_type_ops work_ops_affinity_churn = {
	.worker_init = affinity_churn_init,
	.iteration = affinity_churn_iteration,
	.worker_fini = mask_cycle_fini,
};
const struct work_type_ops work_ops_numa_migration_churn = {
	.worker_init = numa_migration_churn_init,
	.iteration = affinity_churn_iteration,
	.worker_fini = mask_cycle_fini,
};

/* ---- policy_churn: OTHER -> BATCH -> IDLE -> FIFO 1 -> RR 1 -> ... ---- */

static const struct {
	int policy, priority;
	const char *name;
} policy_cycle[] = {
	{ SCHED_OTHER, 0, "SCHED_OTHER" }, { SCHED_BATCH, 0, "SCHED_BATCH" },
	{ SCHED_IDLE, 0, "SCHED_IDLE" },   { SCHED_FIFO, 1, "SCHED_FIFO" },
	{ SCHED_RR, 1, "SCHED_RR" },
};
#define POLICY_CYCLE_LEN (int)(sizeof(policy_cycle) / sizeof(policy_cycle[0]))

struct policy_state {
	int next;
	int original_policy;
	struct sched_param original_param;
};

static int policy_churn_init(struct work_ctx *ctx)
{
	struct policy_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	st->original_policy = sched_getscheduler(0);
	sched_getparam(0, &st->original_param);
	st->next = ctx->index % POLICY_CYCLE_LEN;
	ctx->state = st;
	return 0;
}

static bool policy_churn_iteration(struct work_ctx *ctx)
{
	struct policy_state *st = ctx->state;
	int rc = work_set_policy(policy_cycle[st->next].policy, policy_cycle[st->next].priority);

	if (rc != 0 && !ctx->note[0])
		snprintf(ctx->note, sizeof(ctx->note), "sched_setscheduler(%s): %s",
			 policy_cycle[st->next].name, strerror(-rc));
	st->next = (st->next + 1) % POLICY_CYCLE_LEN;
	return work_spin_us(ctx, WORK_PARAM(ctx, 0));
}

static void policy_churn_fini(struct work_ctx *ctx)
{
	struct policy_state *st = ctx->state;

	if (!st)
		return;
	if (st->original_policy >= 0)
		sched_setscheduler(0, st->original_policy, &st->original_param);
	free(st);
	ctx->state = NULL;
}

const struct work_type_ops work_ops_policy_churn = {
	.worker_init = policy_churn_init,
	.iteration = policy_churn_iteration,
	.worker_fini = policy_churn_fini,
};

/* ---- cgroup_churn: hop between sibling cgroups <cgroup>.churnN ----
 *
 * Under clone thread a move through cgroup.procs takes the whole process,
 * so only worker 0 of the batch hops (moving all its threads with it); the
 * other threads spin their bursts where they are carried. */

static void churn_dir(const struct work_batch *b, int i, char *path, size_t size)
{
	snprintf(path, size, "%s.churn%d", b->cgroup_dir, i);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = (ssize_t)strlen(text), n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, (size_t)len);
	if (n != len) {
		int rc = n < 0 ? -errno : -EIO;

		close(fd);
		return rc;
	}
	close(fd);
	return 0;
}

/* Give the sibling the cgroup's cpuset, so the hop is a cgroup migration and
 * not a change of CPUs. Files that are absent (no cpuset controller) are
 * skipped. */
static void copy_cgroup_file(const char *from_dir, const char *to_dir, const char *name)
{
	char from[700], to[700], text[4096];
	ssize_t n;
	int fd;

	snprintf(from, sizeof(from), "%s/%s", from_dir, name);
	snprintf(to, sizeof(to), "%s/%s", to_dir, name);
	fd = open(from, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 1) /* empty ("\n"): inherit */
		return;
	text[n] = '\0';
	write_file(to, text);
}

static int cgroup_churn_create(struct work_batch *b, char *err, size_t err_size)
{
	int siblings = (int)b->params.values[0];
	char dir[600];

	if (!b->cgroup_dir[0]) {
		snprintf(err, err_size, "cgroup_churn: the batch has no cgroup directory");
		return -1;
	}
	for (int i = 0; i < siblings; i++) {
		churn_dir(b, i, dir, sizeof(dir));
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			snprintf(err, err_size, "cgroup_churn: mkdir %s: %s", dir, strerror(errno));
			return -1;
		}
		b->churn_made = i + 1;
		copy_cgroup_file(b->cgroup_dir, dir, "cpuset.cpus");
		copy_cgroup_file(b->cgroup_dir, dir, "cpuset.mems");
	}
	return 0;
}

/* The workers are gone, but the kernel may take a moment to see a cgroup
 * emptied of exited tasks: retry EBUSY for up to a second. */
static void cgroup_churn_destroy(struct work_batch *b)
{
	char dir[600];

	for (int i = 0; i < b->churn_made; i++) {
		churn_dir(b, i, dir, sizeof(dir));
		for (int tries = 0; rmdir(dir) != 0 && errno == EBUSY && tries < 100; tries++)
			usleep(10000);
	}
	b->churn_made = 0;
}

struct churn_state {
	int next;
	bool moves; /* false for the threads that ride along with worker 0 */
};

static int cgroup_churn_init(struct work_ctx *ctx)
{
	struct churn_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	st->next = ctx->index % (int)WORK_PARAM(ctx, 0);
	st->moves = !ctx->batch->env.threads || ctx->index == 0;
	if (ctx->batch->env.threads)
		snprintf(ctx->note, sizeof(ctx->note),
			 "clone thread: worker 0 moves the whole process; the others ride along");
	ctx->state = st;
	return 0;
}

static int move_self(const char *dir)
{
	char procs[700], pid[32];

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	return write_file(procs, pid);
}

static bool cgroup_churn_iteration(struct work_ctx *ctx)
{
	struct churn_state *st = ctx->state;

	if (st->moves) {
		char dir[600];
		int rc;

		churn_dir(ctx->batch, st->next, dir, sizeof(dir));
		rc = move_self(dir);
		if (rc != 0 && !ctx->note[0])
			snprintf(ctx->note, sizeof(ctx->note), "move to %.80s: %s", dir, strerror(-rc));
		st->next = (st->next + 1) % (int)WORK_PARAM(ctx, 0);
	}
	return work_spin_us(ctx, WORK_PARAM(ctx, 1));
}

/* Back home, so the siblings can be removed and the runtime finds the
 * worker where it put it. */
static void cgroup_churn_fini(struct work_ctx *ctx)
{
	struct churn_state *st = ctx->state;

	if (!st)
		return;
	if (st->moves)
		move_self(ctx->batch->cgroup_dir);
	free(st);
	ctx->state = NULL;
}

const struct work_type_ops work_ops_cgroup_churn = {
	.batch_create = cgroup_churn_create,
	.batch_destroy = cgroup_churn_destroy,
	.worker_init = cgroup_churn_init,
	.iteration = cgroup_churn_iteration,
	.worker_fini = cgroup_churn_fini,
};
