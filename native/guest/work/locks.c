/* Work types around shared locks and queues: a convoy on one mutex, a
 * priority inversion in triples, and an unbalanced producer/consumer queue.
 * The locks are futex words in the batch's shared memory, so they work
 * across processes (clone fork) as well as threads. */
#include "work/batch.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "futex.h"

/* ---- a three-state futex mutex: 0 free, 1 taken, 2 taken with waiters ---- */

static bool mutex_lock(struct work_ctx *ctx, uint32_t *word)
{
	uint32_t expected = 0;

	if (__atomic_compare_exchange_n(word, &expected, 1, false, __ATOMIC_ACQUIRE,
					__ATOMIC_RELAXED))
		return true;
	while (__atomic_exchange_n(word, 2, __ATOMIC_ACQUIRE) != 0) {
		if (work_stopped(ctx))
			return false;
		work_futex_wait(word, 2);
	}
	return true;
}

static void mutex_unlock(uint32_t *word)
{
	if (__atomic_exchange_n(word, 0, __ATOMIC_RELEASE) == 2)
		futex_wake(word, 1);
}

/* ---- the priority-inheritance variant: the word holds the owner's tid and
 * the kernel boosts the owner while a higher-priority task waits ---- */

static bool pi_lock(struct work_ctx *ctx, uint32_t *word)
{
	uint32_t tid = (uint32_t)work_gettid(), expected = 0;

	if (__atomic_compare_exchange_n(word, &expected, tid, false, __ATOMIC_ACQUIRE,
					__ATOMIC_RELAXED))
		return true;
	for (;;) {
		struct timespec deadline;

		if (work_stopped(ctx))
			return false;
		/* FUTEX_LOCK_PI's timeout is absolute on CLOCK_REALTIME. */
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_nsec += (long)WORK_WAIT_SLICE_NS;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
		if (syscall(SYS_futex, word, FUTEX_LOCK_PI, 0, &deadline, NULL, 0) == 0)
			return true;
		if (errno != ETIMEDOUT && errno != EINTR && errno != EAGAIN) {
			if (!ctx->note[0])
				snprintf(ctx->note, sizeof(ctx->note), "FUTEX_LOCK_PI: %s",
					 strerror(errno));
			return false;
		}
	}
}

static void pi_unlock(uint32_t *word)
{
	uint32_t tid = (uint32_t)work_gettid();

	if (!__atomic_compare_exchange_n(word, &tid, 0, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		syscall(SYS_futex, word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
}

/* ---- mutex_contention ---- */

static bool mutex_contention_iteration(struct work_ctx *ctx)
{
	uint32_t *lock = &ctx->batch->shm->lock;
	bool held_whole;

	if (!mutex_lock(ctx, lock))
		return false;
	held_whole = work_spin_us(ctx, WORK_PARAM(ctx, 0));
	mutex_unlock(lock);
	if (!held_whole)
		return false;
	return work_spin_us(ctx, WORK_PARAM(ctx, 1));
}

const struct work_type_ops work_ops_mutex_contention = { .iteration = mutex_contention_iteration };

/* ---- priority_inversion: triples (low, middle, high) by index mod 3 ----
 *
 * low (SCHED_OTHER) takes the triple's lock and holds it for hold_us;
 * middle (SCHED_FIFO 1) spins burst_us after burst_us, starving low when
 * they share a CPU; high (SCHED_FIFO 2) takes the lock, lets it go, and
 * sleeps burst_us before the next attempt, so it keeps arriving while low
 * holds the lock. With pi=1 the lock is a PI futex: the kernel boosts low
 * above middle while high waits. */

enum tier { TIER_LOW, TIER_MIDDLE, TIER_HIGH };

static uint32_t *triple_lock(struct work_ctx *ctx)
{
	return &work_peer(ctx, ctx->index / 3 * 3)->lock;
}

static int priority_inversion_init(struct work_ctx *ctx)
{
	static const int policy[] = { SCHED_OTHER, SCHED_FIFO, SCHED_FIFO };
	static const int priority[] = { 0, 1, 2 };
	int tier = ctx->index % 3;
	int rc = work_set_policy(policy[tier], priority[tier]);

	if (rc != 0)
		snprintf(ctx->note, sizeof(ctx->note), "sched_setscheduler(tier %d): %s", tier,
			 strerror(-rc));
	return rc;
}

static bool take_and_release(struct work_ctx *ctx, uint32_t *lock, long long hold_us)
{
	bool pi = WORK_PARAM(ctx, 2) != 0;
	bool whole;

	if (!(pi ? pi_lock(ctx, lock) : mutex_lock(ctx, lock)))
		return false;
	whole = work_spin_us(ctx, hold_us);
	if (pi)
		pi_unlock(lock);
	else
		mutex_unlock(lock);
	return whole;
}

static bool priority_inversion_iteration(struct work_ctx *ctx)
{
	switch (ctx->index % 3) {
	case TIER_LOW:
		return take_and_release(ctx, triple_lock(ctx), WORK_PARAM(ctx, 0));
	case TIER_MIDDLE:
		return work_spin_us(ctx, WORK_PARAM(ctx, 1));
	default:
		if (!take_and_release(ctx, triple_lock(ctx), 0))
			return false;
		return work_sleep_us(ctx, WORK_PARAM(ctx, 1));
	}
}

static void priority_inversion_fini(struct work_ctx *ctx)
{
	(void)ctx;
	work_set_policy(SCHED_OTHER, 0);
}

const struct work_type_ops work_ops_priority_inversion = {
	.worker_init = priority_inversion_init,
	.iteration = priority_inversion_iteration,
	.worker_fini = priority_inversion_fini,
};

/* ---- producer_consumer_imbalance: even workers produce, odd consume ---- */

static bool producer_consumer_iteration(struct work_ctx *ctx)
{
	uint32_t *queued = &ctx->batch->shm->queued;

	if (ctx->index % 2 == 0) {
		if (!work_spin_us(ctx, WORK_PARAM(ctx, 0)))
			return false;
		__atomic_add_fetch(queued, 1, __ATOMIC_RELEASE);
		futex_wake(queued, 1);
		return true;
	}
	for (;;) {
		uint32_t have = __atomic_load_n(queued, __ATOMIC_ACQUIRE);

		if (have > 0) {
			if (__atomic_compare_exchange_n(queued, &have, have - 1, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				break;
			continue;
		}
		if (work_stopped(ctx))
			return false;
		work_futex_wait(queued, 0);
	}
	return work_spin_us(ctx, WORK_PARAM(ctx, 1));
}

const struct work_type_ops work_ops_producer_consumer_imbalance = {
	.iteration = producer_consumer_iteration,
};
