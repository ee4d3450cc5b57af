#include "work_types.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "futex.h"

/* Upper bounds keep a typo from turning into an hour-long spin. */
#define MAX_SPIN_ITERS 1000000000LL
#define MAX_DURATION_US 10000000LL /* 10 s */

struct work_type_info {
	const char *name;
	bool paired;
	bool records_latency;
	/* Parameters the type accepts; NULL-terminated. */
	const char *params[3];
};

static const struct work_type_info work_types[WORK_KIND_COUNT] = {
	[WORK_SPIN_WAIT] = { "spin_wait", false, false, { "spin_iters", NULL } },
	[WORK_YIELD_HEAVY] = { "yield_heavy", false, false, { NULL } },
	[WORK_MIXED] = { "mixed", false, false, { "burst_us", NULL } },
	/* bursty's latency is how late its sleep ended: the timer wakeup. */
	[WORK_BURSTY] = { "bursty", false, true, { "burst_us", "sleep_us", NULL } },
	[WORK_PIPE_IO] = { "pipe_io", true, true, { "burst_us", NULL } },
	[WORK_FUTEX_PING_PONG] = { "futex_ping_pong", true, true, { "burst_us", NULL } },
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
	return work_types[kind].name;
}

const char *work_kind_all_names(void)
{
	return "spin_wait | yield_heavy | mixed | bursty | pipe_io | futex_ping_pong";
}

void work_params_default(enum work_kind kind, struct work_params *params)
{
	params->spin_iters = 1024;
	params->sleep_us = 500;
	switch (kind) {
	case WORK_BURSTY:
		params->burst_us = 500;
		break;
	case WORK_PIPE_IO:
	case WORK_FUTEX_PING_PONG:
		params->burst_us = 50;
		break;
	default:
		params->burst_us = 100;
		break;
	}
}

enum work_param_result work_param_set(enum work_kind kind, struct work_params *params,
				      const char *name, long long value)
{
	const struct work_type_info *info = &work_types[kind];
	long long *field, min = 0, max = MAX_DURATION_US;

	if (strcmp(name, "spin_iters") == 0) {
		field = &params->spin_iters;
		min = 1;
		max = MAX_SPIN_ITERS;
	} else if (strcmp(name, "burst_us") == 0) {
		field = &params->burst_us;
	} else if (strcmp(name, "sleep_us") == 0) {
		field = &params->sleep_us;
	} else {
		return WORK_PARAM_UNKNOWN;
	}
	if (value < min || value > max)
		return WORK_PARAM_OUT_OF_RANGE;
	*field = value;
	for (int i = 0; info->params[i]; i++)
		if (strcmp(info->params[i], name) == 0)
			return WORK_PARAM_OK;
	return WORK_PARAM_UNUSED;
}

bool work_kind_is_paired(enum work_kind kind)
{
	return work_types[kind].paired;
}

bool work_kind_records_latency(enum work_kind kind)
{
	return work_types[kind].records_latency;
}

static bool stop_requested(const struct work_ctx *ctx)
{
	return __atomic_load_n(ctx->stop, __ATOMIC_RELAXED) != 0;
}

/* Busy-wait on the CPU for a wall-clock duration. */
static bool spin_for_us(const struct work_ctx *ctx, long long us)
{
	uint64_t deadline = clock_now_ns() + (uint64_t)us * 1000ull;

	while (clock_now_ns() < deadline)
		if (stop_requested(ctx))
			return false;
	return true;
}

static bool spin_wait_iteration(struct work_ctx *ctx)
{
	/* volatile keeps the compiler from folding the loop away. */
	for (volatile long long i = 0; i < ctx->params.spin_iters; i++)
		;
	return true;
}

static bool bursty_iteration(struct work_ctx *ctx)
{
	struct timespec ts = {
		.tv_sec = ctx->params.sleep_us / 1000000,
		.tv_nsec = (ctx->params.sleep_us % 1000000) * 1000,
	};
	uint64_t before, slept;

	if (!spin_for_us(ctx, ctx->params.burst_us))
		return false;
	before = clock_now_ns();
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	slept = clock_now_ns() - before;
	if (slept > (uint64_t)ctx->params.sleep_us * 1000ull)
		latency_hist_add(&ctx->self->wake_latency,
				 slept - (uint64_t)ctx->params.sleep_us * 1000ull);
	return true;
}

/* Record the time from the partner's wake-up to our resumption. Only called
 * when we really slept: a token that was already there is no wake-up. */
static void record_wake(struct work_ctx *ctx)
{
	uint64_t woken_at = __atomic_load_n(&ctx->self->wake_ns, __ATOMIC_ACQUIRE);
	uint64_t now = clock_now_ns();

	if (woken_at && now > woken_at)
		latency_hist_add(&ctx->self->wake_latency, now - woken_at);
}

/* pipe_io: each worker posts one byte to its partner, then consumes one from
 * its own pipe. Pipes count bytes, so the pair stays within one iteration of
 * each other and can never both block. */
static bool pipe_io_iteration(struct work_ctx *ctx)
{
	char byte = 'x';
	int pending = 0;
	bool will_block;
	ssize_t n;

	if (!spin_for_us(ctx, ctx->params.burst_us))
		return false;
	__atomic_store_n(&ctx->partner->wake_ns, clock_now_ns(), __ATOMIC_RELEASE);
	do {
		n = write(ctx->partner_write_fd, &byte, 1);
	} while (n < 0 && errno == EINTR);

	will_block = ioctl(ctx->own_read_fd, FIONREAD, &pending) == 0 && pending == 0;
	do {
		n = read(ctx->own_read_fd, &byte, 1);
	} while (n < 0 && errno == EINTR);
	/* At stop the agent writes a byte to every pipe to release sleepers. */
	if (stop_requested(ctx))
		return false;
	if (will_block && ctx->partner != ctx->self)
		record_wake(ctx);
	return true;
}

/* futex_ping_pong: the same protocol as pipe_io with a counting futex word. */
static bool futex_ping_pong_iteration(struct work_ctx *ctx)
{
	uint32_t *own = &ctx->self->tokens;
	bool slept = false;

	if (!spin_for_us(ctx, ctx->params.burst_us))
		return false;
	__atomic_store_n(&ctx->partner->wake_ns, clock_now_ns(), __ATOMIC_RELEASE);
	__atomic_add_fetch(&ctx->partner->tokens, 1, __ATOMIC_RELEASE);
	futex_wake(&ctx->partner->tokens, 1);

	for (;;) {
		uint32_t have = __atomic_load_n(own, __ATOMIC_ACQUIRE);

		if (have > 0) {
			if (__atomic_compare_exchange_n(own, &have, have - 1, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				break;
			continue;
		}
		if (stop_requested(ctx))
			return false;
		slept = true;
		futex_wait(own, 0);
	}
	if (stop_requested(ctx))
		return false;
	if (slept && ctx->partner != ctx->self)
		record_wake(ctx);
	return true;
}

bool work_iteration(struct work_ctx *ctx)
{
	switch (ctx->kind) {
	case WORK_SPIN_WAIT:
		return spin_wait_iteration(ctx);
	case WORK_YIELD_HEAVY:
		sched_yield();
		return true;
	case WORK_MIXED:
		if (!spin_for_us(ctx, ctx->params.burst_us))
			return false;
		sched_yield();
		return true;
	case WORK_BURSTY:
		return bursty_iteration(ctx);
	case WORK_PIPE_IO:
		return pipe_io_iteration(ctx);
	case WORK_FUTEX_PING_PONG:
		return futex_ping_pong_iteration(ctx);
	case WORK_KIND_COUNT:
		break;
	}
	return false;
}
