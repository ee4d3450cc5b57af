/* Helpers every family of work types uses: interruptible spins, sleeps and
 * waits, token passing between workers, and the wake-latency record. */
#include "work/batch.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "futex.h"

int work_partner(const struct work_ctx *ctx)
{
	int partner = ctx->index ^ 1;

	return partner < ctx->n ? partner : ctx->index;
}

bool work_spin_us(const struct work_ctx *ctx, long long us)
{
	uint64_t deadline = clock_now_ns() + (uint64_t)us * 1000ull;

	while (clock_now_ns() < deadline)
		if (work_stopped(ctx))
			return false;
	return true;
}

void work_spin_turns(long long turns)
{
	/* volatile keeps the compiler from folding the loop away. */
	for (volatile long long i = 0; i < turns; i++)
		;
}

/* Longest single nanosleep: a stop is seen within this. */
#define SLEEP_SLICE_US 100000LL

bool work_sleep_us(const struct work_ctx *ctx, long long us)
{
	while (us > 0) {
		long long slice = us < SLEEP_SLICE_US ? us : SLEEP_SLICE_US;
		struct timespec ts = { .tv_sec = slice / 1000000, .tv_nsec = (slice % 1000000) * 1000 };

		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		us -= slice;
		if (us > 0 && work_stopped(ctx))
			return false;
	}
	return true;
}

void work_futex_wait(uint32_t *word, uint32_t expected)
{
	struct timespec slice = { .tv_sec = 0, .tv_nsec = (long)WORK_WAIT_SLICE_NS };

	syscall(SYS_futex, word, FUTEX_WAIT, expected, &slice, NULL, 0);
}

void work_record_wake(struct work_ctx *ctx, uint64_t woken_ns)
{
	uint64_t now = clock_now_ns();

	if (woken_ns && now > woken_ns)
		latency_hist_add(&ctx->self->wake_latency, now - woken_ns);
}

void work_give_token(struct work_ctx *ctx, int to)
{
	struct work_peer *peer = work_peer(ctx, to);

	__atomic_store_n(&peer->woken_ns, clock_now_ns(), __ATOMIC_RELEASE);
	__atomic_add_fetch(&peer->tokens, 1, __ATOMIC_RELEASE);
	futex_wake(&peer->tokens, 1);
}

bool work_take_token(struct work_ctx *ctx, bool *slept)
{
	struct work_peer *own = work_peer(ctx, ctx->index);

	*slept = false;
	for (;;) {
		uint32_t have = __atomic_load_n(&own->tokens, __ATOMIC_ACQUIRE);

		if (have > 0) {
			if (__atomic_compare_exchange_n(&own->tokens, &have, have - 1, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				break;
			continue;
		}
		if (work_stopped(ctx))
			return false;
		*slept = true;
		work_futex_wait(&own->tokens, 0);
	}
	/* A token given by the agent's release is not a wake to count. */
	return !work_stopped(ctx);
}

void work_pipe_give(struct work_ctx *ctx, int to)
{
	char byte = 'x';
	ssize_t n;

	__atomic_store_n(&work_peer(ctx, to)->woken_ns, clock_now_ns(), __ATOMIC_RELEASE);
	do {
		n = write(ctx->batch->pipes[to][1], &byte, 1);
	} while (n < 0 && errno == EINTR);
}

bool work_pipe_take(struct work_ctx *ctx)
{
	int fd = ctx->batch->pipes[ctx->index][0];
	int pending = 0;
	bool will_block;
	char byte;
	ssize_t n;

	will_block = ioctl(fd, FIONREAD, &pending) == 0 && pending == 0;
	do {
		n = read(fd, &byte, 1);
	} while (n < 0 && errno == EINTR);
	/* At stop the agent writes a byte to a stopped worker's pipe. */
	if (work_stopped(ctx))
		return false;
	if (will_block)
		work_record_wake(ctx, __atomic_load_n(&work_peer(ctx, ctx->index)->woken_ns,
						      __ATOMIC_ACQUIRE));
	return true;
}

/* Pipes count bytes, so a pair stays within one iteration of each other and
 * can never both block. Alone, a worker posts to itself and never blocks. */
bool work_pipe_exchange(struct work_ctx *ctx, int to)
{
	work_pipe_give(ctx, to);
	if (to == ctx->index) {
		char byte;

		return read(ctx->batch->pipes[ctx->index][0], &byte, 1) == 1 && !work_stopped(ctx);
	}
	return work_pipe_take(ctx);
}

int work_set_policy(int policy, int priority)
{
	struct sched_param sp = { .sched_priority = priority };

	/* pid 0 is the calling thread, which is what a worker thread wants. */
	if (sched_setscheduler(0, policy, &sp) != 0)
		return -errno;
	return 0;
}

int work_pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		return -errno;
	return 0;
}

int work_pin_mask(const struct cpu_mask *mask)
{
	cpu_set_t *set = CPU_ALLOC(CPU_MAX);
	size_t size = CPU_ALLOC_SIZE(CPU_MAX);
	int rc = 0;

	if (!set)
		return -ENOMEM;
	CPU_ZERO_S(size, set);
	for (int c = 0; c < CPU_MAX; c++)
		if (cpu_mask_test(mask, c))
			CPU_SET_S(c, size, set);
	if (sched_setaffinity(0, size, set) != 0)
		rc = -errno;
	CPU_FREE(set);
	return rc;
}

int work_allowed_cpus(const struct work_batch *b, int *cpus, int max)
{
	int n = 0;

	for (int c = 0; c < CPU_MAX && n < max; c++)
		if (cpu_mask_test(&b->env.allowed, c))
			cpus[n++] = c;
	return n;
}

uint64_t work_random(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

void *work_alloc_pages(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void work_free_pages(void *p, size_t bytes)
{
	if (p)
		munmap(p, bytes);
}

pid_t work_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}
