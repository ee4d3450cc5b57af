/* Work types that only use the CPU and the scheduler's own paths: spinning,
 * yielding, sleeping, and their compounds. */
#include "work/batch.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "clock.h"

/* ---- spin_wait, yield_heavy, mixed ---- */

static bool spin_wait_iteration(struct work_ctx *ctx)
{
	work_spin_turns(WORK_PARAM(ctx, 0));
	return true;
}

static bool yield_heavy_iteration(struct work_ctx *ctx)
{
	(void)ctx;
	sched_yield();
	return true;
}

static bool mixed_iteration(struct work_ctx *ctx)
{
	if (!work_spin_us(ctx, WORK_PARAM(ctx, 0)))
		return false;
	sched_yield();
	return true;
}

const struct work_type_ops work_ops_spin_wait = { .iteration = spin_wait_iteration };
const struct work_type_ops work_ops_yield_heavy = { .iteration = yield_heavy_iteration };
const struct work_type_ops work_ops_mixed = { .iteration = mixed_iteration };

/* ---- alu_hot: a dependent multiply chain keeps the integer units busy
 * with no memory traffic (high IPC) ---- */

static bool alu_hot_iteration(struct work_ctx *ctx)
{
	uint64_t x = (uint64_t)ctx->index | 1;
	long long steps = WORK_PARAM(ctx, 0);

	for (long long i = 0; i < steps; i++)
		x = x * 0x9e3779b97f4a7c15ull + (uint64_t)i;
	/* The result must look used or the chain is folded away. */
	__asm__ volatile("" : : "r"(x));
	return true;
}

const struct work_type_ops work_ops_alu_hot = { .iteration = alu_hot_iteration };

/* ---- smt_sibling_spin ---- */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#else
	__asm__ volatile("" ::: "memory");
#endif
}

/* Pair p goes to the p-th core (mod the number of cores) that has at least
 * two SMT siblings inside the allowed set; its two workers take the first
 * two siblings. Without such a core the pair stays unpinned. */
static int smt_sibling_spin_init(struct work_ctx *ctx)
{
	const struct work_batch *b = ctx->batch;
	int cores[CPU_MAX][2];
	int n_cores = 0;

	for (int c = 0; c < b->env.n_cpus && c < CPU_MAX; c++) {
		int first = -1, second = -1;

		if (!cpu_mask_test(&b->env.allowed, c))
			continue;
		for (int s = 0; s < b->env.n_cpus; s++) {
			if (!cpu_mask_test(&b->cpu_siblings[c], s) || !cpu_mask_test(&b->env.allowed, s))
				continue;
			if (first < 0)
				first = s;
			else if (second < 0)
				second = s;
		}
		/* Count each core once, from its lowest allowed sibling. */
		if (first == c && second >= 0) {
			cores[n_cores][0] = first;
			cores[n_cores][1] = second;
			n_cores++;
		}
	}
	if (n_cores == 0) {
		snprintf(ctx->note, sizeof(ctx->note),
			 "no core with two SMT siblings in the allowed CPUs: unpinned");
		return 0;
	}
	{
		int core = (ctx->index / 2) % n_cores;
		int cpu = cores[core][ctx->index % 2];
		int rc = work_pin_cpu(cpu);

		if (rc != 0) {
			snprintf(ctx->note, sizeof(ctx->note), "pin to SMT sibling cpu %d: errno %d",
				 cpu, -rc);
			return rc;
		}
	}
	return 0;
}

static bool smt_sibling_spin_iteration(struct work_ctx *ctx)
{
	long long turns = WORK_PARAM(ctx, 0);

	for (long long i = 0; i < turns; i++)
		cpu_relax();
	return true;
}

const struct work_type_ops work_ops_smt_sibling_spin = {
	.worker_init = smt_sibling_spin_init,
	.iteration = smt_sibling_spin_iteration,
};

/* ---- bursty and idle_churn: spin, then a timed sleep; the wake latency
 * is how late the sleep ended (the timer wakeup's delay) ---- */

static bool sleep_recording_lateness(struct work_ctx *ctx, long long sleep_us)
{
	uint64_t before = clock_now_ns(), want = (uint64_t)sleep_us * 1000ull;

	if (!work_sleep_us(ctx, sleep_us))
		return false;
	if (sleep_us > 0)
		work_record_wake(ctx, before + want);
	return true;
}

static bool burst_sleep_iteration(struct work_ctx *ctx)
{
	if (!work_spin_us(ctx, WORK_PARAM(ctx, 0)))
		return false;
	return sleep_recording_lateness(ctx, WORK_PARAM(ctx, 1));
}

const struct work_type_ops work_ops_bursty = { .iteration = burst_sleep_iteration };
/* The same body; idle_churn's short defaults make the CPU enter and leave
 * idle thousands of times a second. */
const struct work_type_ops work_ops_idle_churn = { .iteration = burst_sleep_iteration };

/* ---- sequence: spin, sleep, yields, optional write + fdatasync ---- */

struct sequence_state {
	int fd;
	void *block;
};

static int sequence_init(struct work_ctx *ctx)
{
	struct sequence_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	st->fd = -1;
	ctx->state = st;
	if (WORK_PARAM(ctx, 3) == 0)
		return 0;
	if (posix_memalign(&st->block, 4096, 4096) != 0)
		return -ENOMEM;
	for (int i = 0; i < 4096; i++)
		((char *)st->block)[i] = (char)i;
	st->fd = work_io_open(ctx, 0, 4096);
	return st->fd < 0 ? st->fd : 0;
}

static bool sequence_iteration(struct work_ctx *ctx)
{
	struct sequence_state *st = ctx->state;
	long long yields = WORK_PARAM(ctx, 2);

	if (!work_spin_us(ctx, WORK_PARAM(ctx, 0)))
		return false;
	if (!work_sleep_us(ctx, WORK_PARAM(ctx, 1)))
		return false;
	for (long long i = 0; i < yields; i++)
		sched_yield();
	if (st->fd >= 0) {
		if (pwrite(st->fd, st->block, 4096, 0) < 0 && !ctx->note[0])
			snprintf(ctx->note, sizeof(ctx->note), "sequence write: errno %d", errno);
		fdatasync(st->fd);
	}
	return true;
}

static void sequence_fini(struct work_ctx *ctx)
{
	struct sequence_state *st = ctx->state;

	if (!st)
		return;
	if (st->fd >= 0)
		close(st->fd);
	free(st->block);
	free(st);
	ctx->state = NULL;
}

/* The optional write needs the batch's I/O directory. */
const struct work_type_ops work_ops_sequence = {
	.worker_init = sequence_init,
	.iteration = sequence_iteration,
	.worker_fini = sequence_fini,
	.needs_io_dir = true,
};
