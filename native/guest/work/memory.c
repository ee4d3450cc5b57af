/* Work types that load the memory system: caches, IPC phases, page faults,
 * NUMA placement. Buffers are per worker, made in the worker. */
#include "work/batch.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096
#define LINE 64
/* Loops over big buffers look at the stop flag every this many touches. */
#define STOP_CHECK_EVERY 4096

struct buffer_state {
	unsigned char *buf;
	size_t bytes;
	uint64_t rng;
	int *nodes; /* numa_working_set_sweep */
	int n_nodes;
	int next_node;
	bool mbind_works;
};

static int buffer_init(struct work_ctx *ctx, long long kb)
{
	struct buffer_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	ctx->state = st;
	st->bytes = (size_t)kb * 1024;
	st->buf = work_alloc_pages(st->bytes);
	st->rng = 0x853c49e6748fea9bull ^ (uint64_t)ctx->index;
	if (!st->buf) {
		snprintf(ctx->note, sizeof(ctx->note), "map %lld KiB: errno %d", kb, errno);
		return -ENOMEM;
	}
	/* Fault it in now, so iterations measure the caches, not first touches. */
	memset(st->buf, 1, st->bytes);
	return 0;
}

static void buffer_fini(struct work_ctx *ctx)
{
	struct buffer_state *st = ctx->state;

	if (!st)
		return;
	work_free_pages(st->buf, st->bytes);
	free(st->nodes);
	free(st);
	ctx->state = NULL;
}

/* ---- cache_pressure, cache_yield (and cache_pipe in wake.c) ---- */

int work_cache_init(struct work_ctx *ctx)
{
	return buffer_init(ctx, WORK_PARAM(ctx, 0));
}

void work_cache_fini(struct work_ctx *ctx)
{
	buffer_fini(ctx);
}

bool work_cache_pass(struct work_ctx *ctx)
{
	struct buffer_state *st = ctx->state;
	size_t stride = (size_t)WORK_PARAM(ctx, 1);
	unsigned count = 0;

	for (size_t off = 0; off < st->bytes; off += stride) {
		st->buf[off]++;
		if (++count % STOP_CHECK_EVERY == 0 && work_stopped(ctx))
			return false;
	}
	return true;
}

static bool cache_yield_iteration(struct work_ctx *ctx)
{
	if (!work_cache_pass(ctx))
		return false;
	sched_yield();
	return true;
}

const struct work_type_ops work_ops_cache_pressure = {
	.worker_init = work_cache_init,
	.iteration = work_cache_pass,
	.worker_fini = work_cache_fini,
};
const struct work_type_ops work_ops_cache_yield = {
	.worker_init = work_cache_init,
	.iteration = cache_yield_iteration,
	.worker_fini = work_cache_fini,
};

/* ---- ipc_variance: a multiply phase (high IPC), then a phase of cache-line
 * touches in a random order over the working set (low IPC once it exceeds
 * the caches) ---- */

static int ipc_variance_init(struct work_ctx *ctx)
{
	return buffer_init(ctx, WORK_PARAM(ctx, 1));
}

static bool ipc_variance_iteration(struct work_ctx *ctx)
{
	struct buffer_state *st = ctx->state;
	long long phase = WORK_PARAM(ctx, 0);
	size_t lines = st->bytes / LINE;
	uint64_t x = st->rng | 1;

	for (long long i = 0; i < phase; i++)
		x = x * 0x9e3779b97f4a7c15ull + (uint64_t)i;
	__asm__ volatile("" : : "r"(x));
	if (work_stopped(ctx))
		return false;
	for (long long i = 0; i < phase; i++) {
		st->buf[(work_random(&st->rng) % lines) * LINE]++;
		if ((i + 1) % STOP_CHECK_EVERY == 0 && work_stopped(ctx))
			return false;
	}
	return true;
}

const struct work_type_ops work_ops_ipc_variance = {
	.worker_init = ipc_variance_init,
	.iteration = ipc_variance_iteration,
	.worker_fini = buffer_fini,
};

/* ---- page_fault_churn ---- */

static bool page_fault_churn_iteration(struct work_ctx *ctx)
{
	size_t bytes = (size_t)WORK_PARAM(ctx, 0) * 1024;
	unsigned char *region = work_alloc_pages(bytes);
	bool whole = true;

	if (!region) {
		if (!ctx->note[0])
			snprintf(ctx->note, sizeof(ctx->note), "mmap %zu bytes: errno %d", bytes,
				 errno);
		return !work_stopped(ctx);
	}
	for (size_t off = 0; off < bytes; off += PAGE) {
		region[off] = 1;
		if ((off / PAGE + 1) % 256 == 0 && work_stopped(ctx)) {
			whole = false;
			break;
		}
	}
	madvise(region, bytes, MADV_DONTNEED);
	munmap(region, bytes);
	return whole;
}

const struct work_type_ops work_ops_page_fault_churn = { .iteration = page_fault_churn_iteration };

/* ---- numa_working_set_sweep: mbind(MPOL_MF_MOVE) to the next node ---- */

/* From <linux/mempolicy.h>; glibc has no mbind wrapper and the agent is
 * static, without libnuma. */
#define KTSTR_MPOL_BIND 2
#define KTSTR_MPOL_MF_MOVE (1 << 1)
#define NODE_MASK_WORDS 16 /* 1024 nodes */

static long bind_to_node(void *addr, size_t bytes, int node)
{
	unsigned long mask[NODE_MASK_WORDS] = { 0 };

	mask[node / 64] |= 1ul << (node % 64);
	return syscall(SYS_mbind, addr, bytes, KTSTR_MPOL_BIND, mask,
		       (unsigned long)(NODE_MASK_WORDS * 64), KTSTR_MPOL_MF_MOVE);
}

static int numa_working_set_sweep_init(struct work_ctx *ctx)
{
	const struct work_batch *b = ctx->batch;
	struct buffer_state *st;
	int rc = buffer_init(ctx, WORK_PARAM(ctx, 0));

	if (rc != 0)
		return rc;
	st = ctx->state;
	st->nodes = calloc((size_t)(b->env.n_cpus > 0 ? b->env.n_cpus : 1), sizeof(int));
	if (!st->nodes)
		return -ENOMEM;
	/* The nodes that have CPUs, each once, in order. */
	for (int c = 0; c < b->env.n_cpus; c++) {
		int node = b->cpu_node[c];
		bool seen = false;

		for (int i = 0; i < st->n_nodes; i++)
			seen = seen || st->nodes[i] == node;
		if (node >= 0 && node < NODE_MASK_WORDS * 64 && !seen)
			st->nodes[st->n_nodes++] = node;
	}
	if (st->n_nodes == 0)
		st->nodes[st->n_nodes++] = 0;
	st->next_node = ctx->index % st->n_nodes;
	st->mbind_works = bind_to_node(st->buf, st->bytes, st->nodes[0]) == 0;
	if (!st->mbind_works)
		snprintf(ctx->note, sizeof(ctx->note), "mbind: errno %d: touching without moves",
			 errno);
	else if (st->n_nodes == 1)
		snprintf(ctx->note, sizeof(ctx->note), "one NUMA node: no memory moves");
	return 0;
}

static bool numa_working_set_sweep_iteration(struct work_ctx *ctx)
{
	struct buffer_state *st = ctx->state;

	if (st->mbind_works) {
		bind_to_node(st->buf, st->bytes, st->nodes[st->next_node]);
		st->next_node = (st->next_node + 1) % st->n_nodes;
	}
	for (size_t off = 0; off < st->bytes; off += PAGE) {
		st->buf[off]++;
		if ((off / PAGE + 1) % STOP_CHECK_EVERY == 0 && work_stopped(ctx))
			return false;
	}
	return true;
}

const struct work_type_ops work_ops_numa_working_set_sweep = {
	.worker_init = numa_working_set_sweep_init,
	.iteration = numa_working_set_sweep_iteration,
	.worker_fini = buffer_fini,
};
