/* The registry of work types (docs/work-types.md): names, parameter tables
 * with defaults and ranges, and the batch lifecycle that dispatches to the
 * families in work/. */
#include "work_types.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "futex.h"
#include "work/batch.h"

struct work_param_decl {
	const char *name;
	long long def;
};

struct work_type_info {
	const char *name;
	bool records_latency;
	const struct work_type_ops *ops;
	struct work_param_decl params[WORK_MAX_PARAMS]; /* unused entries have name NULL */
};

#define P(n, d) { n, d }

static const struct work_type_info work_types[WORK_KIND_COUNT] = {
	[WORK_SPIN_WAIT] = { "spin_wait", false, &work_ops_spin_wait, { P("spin_iters", 1024) } },
	[WORK_YIELD_HEAVY] = { "yield_heavy", false, &work_ops_yield_heavy, { { 0 } } },
	[WORK_MIXED] = { "mixed", false, &work_ops_mixed, { P("burst_us", 100) } },
	[WORK_ALU_HOT] = { "alu_hot", false, &work_ops_alu_hot, { P("chain_len", 4096) } },
	[WORK_SMT_SIBLING_SPIN] = { "smt_sibling_spin", false, &work_ops_smt_sibling_spin,
				    { P("spin_iters", 1024) } },
	[WORK_IPC_VARIANCE] = { "ipc_variance", false, &work_ops_ipc_variance,
				{ P("phase_iters", 4096), P("working_set_kb", 4096) } },
	[WORK_IO_SYNC_WRITE] = { "io_sync_write", false, &work_ops_io_sync_write,
				 { P("blocks", 16) } },
	[WORK_IO_RAND_READ] = { "io_rand_read", false, &work_ops_io_rand_read,
				{ P("file_kb", 16384) } },
	[WORK_IO_CONVOY] = { "io_convoy", false, &work_ops_io_convoy,
			     { P("file_kb", 16384), P("sync_every", 16) } },
	/* bursty's and idle_churn's latency is how late the sleep ended. */
	[WORK_BURSTY] = { "bursty", true, &work_ops_bursty, { P("burst_us", 500), P("sleep_us", 500) } },
	[WORK_IDLE_CHURN] = { "idle_churn", true, &work_ops_idle_churn,
			      { P("burst_us", 50), P("sleep_us", 100) } },
	[WORK_PIPE_IO] = { "pipe_io", true, &work_ops_pipe_io, { P("burst_us", 50) } },
	[WORK_FUTEX_PING_PONG] = { "futex_ping_pong", true, &work_ops_futex_ping_pong,
				   { P("burst_us", 50) } },
	[WORK_FUTEX_FAN_OUT] = { "futex_fan_out", true, &work_ops_futex_fan_out,
				 { P("fan_out", 4), P("burst_us", 50) } },
	[WORK_CACHE_PRESSURE] = { "cache_pressure", false, &work_ops_cache_pressure,
				  { P("working_set_kb", 32), P("stride", 64) } },
	[WORK_CACHE_YIELD] = { "cache_yield", false, &work_ops_cache_yield,
			       { P("working_set_kb", 32), P("stride", 64) } },
	[WORK_CACHE_PIPE] = { "cache_pipe", true, &work_ops_cache_pipe,
			      { P("working_set_kb", 32), P("stride", 64) } },
	[WORK_SEQUENCE] = { "sequence", false, &work_ops_sequence,
			    { P("spin_us", 1000), P("sleep_us", 1000), P("yields", 4), P("io", 0) } },
	[WORK_FORK_EXIT] = { "fork_exit", false, &work_ops_fork_exit, { { 0 } } },
	[WORK_NICE_SWEEP] = { "nice_sweep", false, &work_ops_nice_sweep, { P("burst_us", 100) } },
	[WORK_AFFINITY_CHURN] = { "affinity_churn", false, &work_ops_affinity_churn,
				  { P("burst_us", 50) } },
	[WORK_POLICY_CHURN] = { "policy_churn", false, &work_ops_policy_churn,
				{ P("burst_us", 100) } },
	[WORK_NUMA_MIGRATION_CHURN] = { "numa_migration_churn", false,
					&work_ops_numa_migration_churn, { P("burst_us", 200) } },
	[WORK_CGROUP_CHURN] = { "cgroup_churn", false, &work_ops_cgroup_churn,
				{ P("siblings", 2), P("burst_us", 200) } },
	[WORK_FAN_OUT_COMPUTE] = { "fan_out_compute", true, &work_ops_fan_out_compute,
				   { P("fan_out", 4), P("matrix_n", 32) } },
	[WORK_ASYMMETRIC_WAKER] = { "asymmetric_waker", true, &work_ops_asymmetric_waker,
				    { P("burst_us", 50) } },
	[WORK_WAKE_CHAIN] = { "wake_chain", true, &work_ops_wake_chain,
			      { P("burst_us", 20), P("futex", 0) } },
	[WORK_EPOLL_STORM] = { "epoll_storm", true, &work_ops_epoll_storm,
			       { P("producers", 1), P("burst_us", 50) } },
	[WORK_THUNDERING_HERD] = { "thundering_herd", true, &work_ops_thundering_herd,
				   { P("burst_us", 200) } },
	[WORK_PAGE_FAULT_CHURN] = { "page_fault_churn", false, &work_ops_page_fault_churn,
				    { P("region_kb", 1024) } },
	[WORK_NUMA_WORKING_SET_SWEEP] = { "numa_working_set_sweep", false,
					  &work_ops_numa_working_set_sweep,
					  { P("working_set_kb", 4096) } },
	[WORK_MUTEX_CONTENTION] = { "mutex_contention", false, &work_ops_mutex_contention,
				    { P("hold_us", 10), P("burst_us", 10) } },
	[WORK_PRIORITY_INVERSION] = { "priority_inversion", false, &work_ops_priority_inversion,
				      { P("hold_us", 100), P("burst_us", 100), P("pi", 1) } },
	[WORK_PRODUCER_CONSUMER_IMBALANCE] = { "producer_consumer_imbalance", false,
					       &work_ops_producer_consumer_imbalance,
					       { P("produce_us", 10), P("consume_us", 50) } },
	[WORK_SIGNAL_STORM] = { "signal_storm", false, &work_ops_signal_storm,
				{ P("burst_us", 50) } },
	[WORK_PREEMPT_STORM] = { "preempt_storm", false, &work_ops_preempt_storm,
				 { P("period_us", 1000), P("burst_us", 100) } },
	[WORK_RT_STARVATION] = { "rt_starvation", false, &work_ops_rt_starvation,
				 { P("rt_workers", 1) } },
	[WORK_CUSTOM] = { "custom", false, &work_ops_custom, { { 0 } } },
};

/* Upper bounds keep a typo from turning into an hour-long spin or a guest
 * out of memory; lower bounds keep loops and divisions meaningful. */
#define MAX_US 10000000LL       /* 10 s */
#define MAX_TURNS 1000000000LL
#define MAX_KB 1048576LL        /* 1 GiB */

static const struct work_param_range {
	const char *name;
	long long min, max;
} param_ranges[] = {
	{ "spin_iters", 1, MAX_TURNS },
	{ "burst_us", 0, MAX_US },
	{ "sleep_us", 0, MAX_US },
	{ "spin_us", 0, MAX_US },
	{ "hold_us", 0, MAX_US },
	{ "produce_us", 0, MAX_US },
	{ "consume_us", 0, MAX_US },
	{ "period_us", 1, MAX_US },
	{ "chain_len", 1, MAX_TURNS },
	{ "phase_iters", 1, MAX_TURNS },
	{ "yields", 0, 1000000 },
	{ "working_set_kb", 4, MAX_KB },
	{ "region_kb", 4, MAX_KB },
	{ "file_kb", 4, MAX_KB },
	{ "stride", 1, 1048576 },
	{ "blocks", 1, 65536 },
	{ "sync_every", 1, 1000000 },
	{ "fan_out", 1, 1023 },
	{ "matrix_n", 1, 512 },
	{ "siblings", 1, 64 },
	{ "producers", 1, 1024 },
	{ "rt_workers", 0, 1024 },
	{ "io", 0, 1 },
	{ "futex", 0, 1 },
	{ "pi", 0, 1 },
};

int work_kind_from_name(const char *name)
{
	for (int k = 0; k < WORK_KIND_COUNT; k++)
		if (strcmp(work_types[k].name, name) == 0)
			return k;
	return -1;
}

const char *work_kind_name(enum work_kind kind)
{
	return (unsigned)kind < WORK_KIND_COUNT ? work_types[kind].name : "?";
}

const char *work_kind_all_names(void)
{
	static char all[WORK_KIND_COUNT * 32];

	if (!all[0]) {
		size_t len = 0;

		for (int k = 0; k < WORK_KIND_COUNT; k++)
			len += (size_t)snprintf(all + len, sizeof(all) - len, "%s%s",
						k ? " | " : "", work_types[k].name);
	}
	return all;
}

void work_params_default(enum work_kind kind, struct work_params *params)
{
	memset(params, 0, sizeof(*params));
	for (int i = 0; i < WORK_MAX_PARAMS && work_types[kind].params[i].name; i++)
		params->values[i] = work_types[kind].params[i].def;
}

bool work_param_range(const char *name, long long *min, long long *max)
{
	for (size_t i = 0; i < sizeof(param_ranges) / sizeof(param_ranges[0]); i++) {
		if (strcmp(param_ranges[i].name, name) == 0) {
			*min = param_ranges[i].min;
			*max = param_ranges[i].max;
			return true;
		}
	}
	return false;
}

enum work_param_result work_param_set(enum work_kind kind, struct work_params *params,
				      const char *name, long long value)
{
	long long min, max;

	if (!work_param_range(name, &min, &max))
		return WORK_PARAM_UNKNOWN;
	if (value < min || value > max)
		return WORK_PARAM_OUT_OF_RANGE;
	for (int i = 0; i < WORK_MAX_PARAMS && work_types[kind].params[i].name; i++) {
		if (strcmp(work_types[kind].params[i].name, name) == 0) {
			params->values[i] = value;
			return WORK_PARAM_OK;
		}
	}
	return WORK_PARAM_UNUSED;
}

const char *work_param_name(enum work_kind kind, int i)
{
	if ((unsigned)kind >= WORK_KIND_COUNT || i < 0 || i >= WORK_MAX_PARAMS)
		return NULL;
	return work_types[kind].params[i].name;
}

bool work_kind_records_latency(enum work_kind kind)
{
	return work_types[kind].records_latency;
}

/* ---- the batch ---- */

static void close_fds(int *fds, int count)
{
	for (int i = 0; i < count; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void free_batch(struct work_batch *b)
{
	if (b->pipes)
		close_fds(&b->pipes[0][0], 2 * b->n);
	if (b->eventfds)
		close_fds(b->eventfds, b->n);
	free(b->pipes);
	free(b->eventfds);
	if (b->shm)
		munmap(b->shm, b->shm_size);
	free(b->cpu_node);
	free(b->cpu_siblings);
	free(b);
}

static int copy_env(struct work_batch *b, const struct work_env *env)
{
	b->env = *env;
	snprintf(b->cgroup, sizeof(b->cgroup), "%s", env->cgroup ? env->cgroup : "");
	snprintf(b->cgroup_dir, sizeof(b->cgroup_dir), "%s", env->cgroup_dir ? env->cgroup_dir : "");
	b->env.cgroup = b->cgroup;
	b->env.cgroup_dir = b->cgroup_dir;
	b->env.cpu_node = NULL;
	b->env.cpu_siblings = NULL;
	if (env->n_cpus > 0) {
		b->cpu_node = calloc((size_t)env->n_cpus, sizeof(int));
		b->cpu_siblings = calloc((size_t)env->n_cpus, sizeof(struct cpu_mask));
		if (!b->cpu_node || !b->cpu_siblings)
			return -ENOMEM;
		for (int c = 0; c < env->n_cpus; c++) {
			b->cpu_node[c] = env->cpu_node ? env->cpu_node[c] : -1;
			if (env->cpu_siblings)
				b->cpu_siblings[c] = env->cpu_siblings[c];
			else
				cpu_mask_set(&b->cpu_siblings[c], c);
		}
		b->env.cpu_node = b->cpu_node;
		b->env.cpu_siblings = b->cpu_siblings;
	}
	return 0;
}

static int make_pipes(struct work_batch *b)
{
	b->pipes = malloc((size_t)b->n * sizeof(*b->pipes));
	if (!b->pipes)
		return -ENOMEM;
	for (int i = 0; i < b->n; i++)
		b->pipes[i][0] = b->pipes[i][1] = -1;
	for (int i = 0; i < b->n; i++) {
		if (pipe2(b->pipes[i], O_CLOEXEC) != 0)
			return -errno;
		/* Writers post one byte at a time and never fill the pipe; the
		 * agent's release must never block on it. */
		fcntl(b->pipes[i][1], F_SETFL, O_NONBLOCK);
	}
	return 0;
}

static int make_eventfds(struct work_batch *b)
{
	b->eventfds = malloc((size_t)b->n * sizeof(int));
	if (!b->eventfds)
		return -ENOMEM;
	for (int i = 0; i < b->n; i++)
		b->eventfds[i] = -1;
	for (int i = 0; i < b->n; i++) {
		b->eventfds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (b->eventfds[i] < 0)
			return -errno;
	}
	return 0;
}

struct work_batch *work_batch_create(enum work_kind kind, const struct work_params *params,
				     int n_workers, const struct work_env *env,
				     char *err, size_t err_size)
{
	struct work_batch *b;
	int rc;

	if ((unsigned)kind >= WORK_KIND_COUNT || n_workers < 1) {
		snprintf(err, err_size, "work batch: invalid kind %d or %d workers", (int)kind,
			 n_workers);
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, err_size, "work batch: %s", strerror(ENOMEM));
		return NULL;
	}
	b->kind = kind;
	b->params = *params;
	b->ops = work_types[kind].ops;
	b->n = n_workers;
	if (copy_env(b, env) != 0) {
		snprintf(err, err_size, "work batch: copy the environment: %s", strerror(ENOMEM));
		free_batch(b);
		return NULL;
	}
	b->shm_size = sizeof(struct work_shared) + (size_t)n_workers * sizeof(struct work_peer);
	b->shm = mmap(NULL, b->shm_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b->shm == MAP_FAILED) {
		b->shm = NULL;
		snprintf(err, err_size, "work batch: map %zu shared bytes: %s", b->shm_size,
			 strerror(errno));
		free_batch(b);
		return NULL;
	}
	if (b->ops->needs_pipes && (rc = make_pipes(b)) != 0) {
		snprintf(err, err_size, "work batch: pipes for %d workers: %s", n_workers,
			 strerror(-rc));
		free_batch(b);
		return NULL;
	}
	if (b->ops->needs_eventfds && (rc = make_eventfds(b)) != 0) {
		snprintf(err, err_size, "work batch: eventfds for %d workers: %s", n_workers,
			 strerror(-rc));
		free_batch(b);
		return NULL;
	}
	if (b->ops->needs_io_dir && work_io_prepare(b, err, err_size) != 0) {
		free_batch(b);
		return NULL;
	}
	if (b->ops->batch_create && b->ops->batch_create(b, err, err_size) != 0) {
		if (b->ops->batch_destroy)
			b->ops->batch_destroy(b);
		free_batch(b);
		return NULL;
	}
	return b;
}

/* Whether worker i was told to stop (or has not started, so nothing of it
 * can be waiting). A worker's stop flag lives in the worker region the
 * agent mapped before the fork, at the same address in the agent. */
static bool peer_stopping(const struct work_peer *peer)
{
	const uint32_t *stop = (const uint32_t *)(uintptr_t)__atomic_load_n(&peer->stop_addr,
									 __ATOMIC_ACQUIRE);

	return !stop || __atomic_load_n(stop, __ATOMIC_RELAXED) != 0;
}

void work_batch_release(struct work_batch *b)
{
	struct work_shared *shm = b->shm;
	char byte = 'r';
	uint64_t one = 1;

	for (int i = 0; i < b->n; i++) {
		struct work_peer *peer = &shm->peers[i];
		int pgid;

		if (!peer_stopping(peer))
			continue;
		/* A token wakes a token waiter even if it has not slept yet; it
		 * sees its stop flag right after taking it. */
		__atomic_add_fetch(&peer->tokens, 1, __ATOMIC_SEQ_CST);
		futex_wake_all(&peer->tokens);
		__atomic_store_n(&peer->flag, 1, __ATOMIC_SEQ_CST);
		futex_wake_all(&peer->flag);
		if (b->pipes && write(b->pipes[i][1], &byte, 1) < 0) {
			/* Full: the worker has bytes to read and is not blocked. */
		}
		if (b->eventfds && write(b->eventfds[i], &one, sizeof(one)) < 0) {
			/* Saturated: the consumer is not blocked either. */
		}
		pgid = __atomic_load_n(&peer->child_pgid, __ATOMIC_SEQ_CST);
		if (pgid > 0)
			kill(-pgid, SIGKILL);
	}
	/* Words the whole batch waits on: a wake is enough, the waiters look
	 * at their own stop flags (and the wait slice closes the race). */
	futex_wake_all(&shm->generation);
	futex_wake_all(&shm->lock);
	futex_wake_all(&shm->queued);
	for (int i = 0; i < b->n; i += 3)
		futex_wake_all(&shm->peers[i].lock); /* priority_inversion's triples */
}

void work_batch_destroy(struct work_batch *b)
{
	if (!b)
		return;
	if (b->ops->batch_destroy)
		b->ops->batch_destroy(b);
	if (b->ops->needs_io_dir)
		work_io_cleanup(b);
	free_batch(b);
}

/* ---- in the worker ---- */

int work_worker_init(struct work_ctx *ctx)
{
	struct work_peer *peer = work_peer(ctx, ctx->index);

	ctx->note[0] = '\0';
	ctx->state = NULL;
	__atomic_store_n(&peer->pid, (int32_t)getpid(), __ATOMIC_RELAXED);
	__atomic_store_n(&peer->tid, (int32_t)work_gettid(), __ATOMIC_RELAXED);
	__atomic_store_n(&peer->stop_addr, (uint64_t)(uintptr_t)ctx->stop, __ATOMIC_RELEASE);
	if (ctx->batch->ops->worker_init)
		return ctx->batch->ops->worker_init(ctx);
	return 0;
}

bool work_iteration(struct work_ctx *ctx)
{
	return ctx->batch->ops->iteration(ctx);
}

void work_worker_fini(struct work_ctx *ctx)
{
	if (ctx->batch->ops->worker_fini)
		ctx->batch->ops->worker_fini(ctx);
}
