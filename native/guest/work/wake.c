/* Work types built around wakeups between the workers of a batch: pairs,
 * fan-outs, rings, broadcasts, epoll and signals. Each records, where it is
 * a wakeup, the time from the waker's wake call to the wakee running. */
#include "work/batch.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "futex.h"

/* Take a token and, when the worker had to sleep for it, record the wake. */
static bool take_recording(struct work_ctx *ctx)
{
	bool slept;

	if (!work_take_token(ctx, &slept))
		return false;
	if (slept)
		work_record_wake(ctx, __atomic_load_n(&work_peer(ctx, ctx->index)->woken_ns,
						      __ATOMIC_ACQUIRE));
	return true;
}

/* ---- pipe_io, futex_ping_pong, cache_pipe: pairs ---- */

static bool pipe_io_iteration(struct work_ctx *ctx)
{
	if (!work_spin_us(ctx, WORK_PARAM(ctx, 0)))
		return false;
	return work_pipe_exchange(ctx, work_partner(ctx));
}

/* The pipe_io protocol with a counting futex word instead of a pipe: the
 * wake is a plain FUTEX_WAKE (no WF_SYNC hint). */
static bool futex_ping_pong_iteration(struct work_ctx *ctx)
{
	int partner = work_partner(ctx);

	if (!work_spin_us(ctx, WORK_PARAM(ctx, 0)))
		return false;
	work_give_token(ctx, partner);
	if (partner == ctx->index) {
		bool slept;

		return work_take_token(ctx, &slept);
	}
	return take_recording(ctx);
}

static bool cache_pipe_iteration(struct work_ctx *ctx)
{
	if (!work_cache_pass(ctx))
		return false;
	return work_pipe_exchange(ctx, work_partner(ctx));
}

const struct work_type_ops work_ops_pipe_io = {
	.iteration = pipe_io_iteration,
	.needs_pipes = true,
};
const struct work_type_ops work_ops_futex_ping_pong = { .iteration = futex_ping_pong_iteration };
const struct work_type_ops work_ops_cache_pipe = {
	.worker_init = work_cache_init,
	.iteration = cache_pipe_iteration,
	.worker_fini = work_cache_fini,
	.needs_pipes = true,
};

/* ---- futex_fan_out and fan_out_compute: groups of 1 + fan_out ---- */

struct fan_group {
	int leader;
	int first_follower;
	int followers; /* may be fewer than fan_out in the batch's last group */
};

static struct fan_group fan_group_of(const struct work_ctx *ctx)
{
	int size = (int)WORK_PARAM(ctx, 0) + 1;
	struct fan_group g;

	g.leader = ctx->index / size * size;
	g.first_follower = g.leader + 1;
	g.followers = ctx->n - g.first_follower;
	if (g.followers > size - 1)
		g.followers = size - 1;
	return g;
}

/* The leader wakes every follower, then collects one answer from each. */
static bool fan_lead(struct work_ctx *ctx, const struct fan_group *g)
{
	for (int f = 0; f < g->followers; f++)
		work_give_token(ctx, g->first_follower + f);
	for (int f = 0; f < g->followers; f++) {
		bool slept;

		if (!work_take_token(ctx, &slept))
			return false;
	}
	return true;
}

static bool futex_fan_out_iteration(struct work_ctx *ctx)
{
	struct fan_group g = fan_group_of(ctx);

	if (ctx->index == g.leader) {
		if (!work_spin_us(ctx, WORK_PARAM(ctx, 1)))
			return false;
		return fan_lead(ctx, &g);
	}
	if (!take_recording(ctx))
		return false;
	if (!work_spin_us(ctx, WORK_PARAM(ctx, 1)))
		return false;
	work_give_token(ctx, g.leader);
	return true;
}

const struct work_type_ops work_ops_futex_fan_out = { .iteration = futex_fan_out_iteration };

struct matrices {
	int n;
	double *a, *b, *c;
};

static int fan_out_compute_init(struct work_ctx *ctx)
{
	struct matrices *m = calloc(1, sizeof(*m));
	size_t cells;

	if (!m)
		return -ENOMEM;
	ctx->state = m;
	m->n = (int)WORK_PARAM(ctx, 1);
	cells = (size_t)m->n * (size_t)m->n;
	m->a = malloc(cells * sizeof(double));
	m->b = malloc(cells * sizeof(double));
	m->c = malloc(cells * sizeof(double));
	if (!m->a || !m->b || !m->c) {
		snprintf(ctx->note, sizeof(ctx->note), "fan_out_compute: no memory for %dx%d", m->n,
			 m->n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cells; i++) {
		m->a[i] = (double)(i % 7) + 0.5;
		m->b[i] = (double)(i % 5) - 1.5;
	}
	return 0;
}

static void multiply(struct matrices *m)
{
	int n = m->n;

	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			double sum = 0;

			for (int k = 0; k < n; k++)
				sum += m->a[i * n + k] * m->b[k * n + j];
			m->c[i * n + j] = sum;
		}
	__asm__ volatile("" : : "r"(m->c) : "memory");
}

static bool fan_out_compute_iteration(struct work_ctx *ctx)
{
	struct fan_group g = fan_group_of(ctx);

	if (ctx->index == g.leader)
		return fan_lead(ctx, &g);
	if (!take_recording(ctx))
		return false;
	multiply(ctx->state);
	work_give_token(ctx, g.leader);
	return !work_stopped(ctx);
}

static void fan_out_compute_fini(struct work_ctx *ctx)
{
	struct matrices *m = ctx->state;

	if (!m)
		return;
	free(m->a);
	free(m->b);
	free(m->c);
	free(m);
	ctx->state = NULL;
}

const struct work_type_ops work_ops_fan_out_compute = {
	.worker_init = fan_out_compute_init,
	.iteration = fan_out_compute_iteration,
	.worker_fini = fan_out_compute_fini,
};

/* ---- asymmetric_waker: an OTHER waker and a BATCH wakee on one word ---- */

static int asymmetric_waker_init(struct work_ctx *ctx)
{
	bool wakee = ctx->index % 2 == 1;
	int rc = work_set_policy(wakee ? SCHED_BATCH : SCHED_OTHER, 0);

	if (rc != 0)
		snprintf(ctx->note, sizeof(ctx->note), "sched_setscheduler(%s): errno %d",
			 wakee ? "SCHED_BATCH" : "SCHED_OTHER", -rc);
	return rc;
}

static bool asymmetric_waker_iteration(struct work_ctx *ctx)
{
	int partner = work_partner(ctx);
	struct work_peer *own = work_peer(ctx, ctx->index);
	bool slept = false;

	if (ctx->index % 2 == 0) {
		struct work_peer *wakee = work_peer(ctx, partner);

		if (!work_spin_us(ctx, WORK_PARAM(ctx, 0)))
			return false;
		if (partner != ctx->index) {
			__atomic_store_n(&wakee->woken_ns, clock_now_ns(), __ATOMIC_RELEASE);
			__atomic_store_n(&wakee->flag, 1, __ATOMIC_RELEASE);
			futex_wake(&wakee->flag, 1);
		}
		return true;
	}
	/* Wakes that come while the wakee runs coalesce into one. */
	while (__atomic_exchange_n(&own->flag, 0, __ATOMIC_ACQ_REL) == 0) {
		if (work_stopped(ctx))
			return false;
		slept = true;
		work_futex_wait(&own->flag, 0);
	}
	if (work_stopped(ctx))
		return false;
	if (slept)
		work_record_wake(ctx, __atomic_load_n(&own->woken_ns, __ATOMIC_ACQUIRE));
	return true;
}

const struct work_type_ops work_ops_asymmetric_waker = {
	.worker_init = asymmetric_waker_init,
	.iteration = asymmetric_waker_iteration,
};

/* ---- wake_chain: one token travels a ring of the whole batch ---- */

static int wake_chain_create(struct work_batch *b, char *err, size_t err_size)
{
	char byte = 't';

	/* Worker 0 holds the token first, in both transports. */
	b->shm->peers[0].tokens = 1;
	if (write(b->pipes[0][1], &byte, 1) != 1) {
		snprintf(err, err_size, "wake_chain: seed the ring's pipe: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static bool wake_chain_iteration(struct work_ctx *ctx)
{
	bool use_futex = WORK_PARAM(ctx, 1) != 0;
	int next = (ctx->index + 1) % ctx->n;

	if (use_futex ? !take_recording(ctx) : !work_pipe_take(ctx))
		return false;
	if (!work_spin_us(ctx, WORK_PARAM(ctx, 0)))
		return false;
	if (use_futex)
		work_give_token(ctx, next);
	else
		work_pipe_give(ctx, next);
	return true;
}

const struct work_type_ops work_ops_wake_chain = {
	.batch_create = wake_chain_create,
	.iteration = wake_chain_iteration,
	.needs_pipes = true,
};

/* ---- epoll_storm: producers signal every consumer's eventfd ---- */

struct epoll_state {
	int epfd;
};

static int producers_of(const struct work_ctx *ctx)
{
	return WORK_PARAM(ctx, 0) < ctx->n ? (int)WORK_PARAM(ctx, 0) : ctx->n;
}

static int epoll_storm_init(struct work_ctx *ctx)
{
	struct epoll_state *st = calloc(1, sizeof(*st));
	struct epoll_event ev = { .events = EPOLLIN };

	if (!st)
		return -ENOMEM;
	st->epfd = -1;
	ctx->state = st;
	if (ctx->index < producers_of(ctx)) {
		if (producers_of(ctx) == ctx->n)
			snprintf(ctx->note, sizeof(ctx->note),
				 "no consumers: producers=%lld >= workers=%d", WORK_PARAM(ctx, 0),
				 ctx->n);
		return 0;
	}
	st->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (st->epfd < 0)
		return -errno;
	ev.data.fd = ctx->batch->eventfds[ctx->index];
	if (epoll_ctl(st->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev) != 0)
		return -errno;
	return 0;
}

static bool epoll_storm_iteration(struct work_ctx *ctx)
{
	struct epoll_state *st = ctx->state;
	int efd = ctx->batch->eventfds[ctx->index];
	struct epoll_event ev;
	uint64_t count;

	if (ctx->index < producers_of(ctx)) {
		uint64_t one = 1;

		if (!work_spin_us(ctx, WORK_PARAM(ctx, 1)))
			return false;
		for (int c = producers_of(ctx); c < ctx->n; c++) {
			__atomic_store_n(&work_peer(ctx, c)->woken_ns, clock_now_ns(),
					 __ATOMIC_RELEASE);
			if (write(ctx->batch->eventfds[c], &one, sizeof(one)) < 0) {
				/* Saturated counter: the consumer has plenty to drain. */
			}
		}
		return true;
	}
	if (read(efd, &count, sizeof(count)) == sizeof(count))
		return !work_stopped(ctx);
	while (epoll_wait(st->epfd, &ev, 1, -1) < 0 && errno == EINTR)
		if (work_stopped(ctx))
			return false;
	if (work_stopped(ctx))
		return false;
	if (read(efd, &count, sizeof(count)) != sizeof(count))
		return true; /* another wake drained it first; still an iteration */
	work_record_wake(ctx, __atomic_load_n(&work_peer(ctx, ctx->index)->woken_ns,
					      __ATOMIC_ACQUIRE));
	return true;
}

static void epoll_storm_fini(struct work_ctx *ctx)
{
	struct epoll_state *st = ctx->state;

	if (!st)
		return;
	if (st->epfd >= 0)
		close(st->epfd);
	free(st);
	ctx->state = NULL;
}

const struct work_type_ops work_ops_epoll_storm = {
	.worker_init = epoll_storm_init,
	.iteration = epoll_storm_iteration,
	.worker_fini = epoll_storm_fini,
	.needs_eventfds = true,
};

/* ---- thundering_herd: worker 0 bumps one word and wakes everyone ---- */

struct herd_state {
	uint32_t seen;
};

static int thundering_herd_init(struct work_ctx *ctx)
{
	struct herd_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	st->seen = __atomic_load_n(&ctx->batch->shm->generation, __ATOMIC_ACQUIRE);
	ctx->state = st;
	return 0;
}

static bool thundering_herd_iteration(struct work_ctx *ctx)
{
	struct work_shared *shm = ctx->batch->shm;
	struct herd_state *st = ctx->state;
	bool slept = false;
	uint32_t now_gen;

	if (ctx->index == 0) {
		if (!work_spin_us(ctx, WORK_PARAM(ctx, 0)))
			return false;
		__atomic_store_n(&shm->generation_ns, clock_now_ns(), __ATOMIC_RELEASE);
		__atomic_add_fetch(&shm->generation, 1, __ATOMIC_RELEASE);
		futex_wake_all(&shm->generation);
		return true;
	}
	while ((now_gen = __atomic_load_n(&shm->generation, __ATOMIC_ACQUIRE)) == st->seen) {
		if (work_stopped(ctx))
			return false;
		slept = true;
		work_futex_wait(&shm->generation, st->seen);
	}
	st->seen = now_gen;
	if (work_stopped(ctx))
		return false;
	if (slept)
		work_record_wake(ctx, __atomic_load_n(&shm->generation_ns, __ATOMIC_ACQUIRE));
	return true;
}

static void free_state(struct work_ctx *ctx)
{
	free(ctx->state);
	ctx->state = NULL;
}

const struct work_type_ops work_ops_thundering_herd = {
	.worker_init = thundering_herd_init,
	.iteration = thundering_herd_iteration,
	.worker_fini = free_state,
};

/* ---- signal_storm: SIGUSR1 to the partner thread, counted by a handler ---- */

static __thread uint64_t *signal_counter;

static void count_signal(int sig)
{
	(void)sig;
	if (signal_counter)
		__atomic_add_fetch(signal_counter, 1, __ATOMIC_RELAXED);
}

static int signal_storm_init(struct work_ctx *ctx)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count_signal;
	/* Restart interrupted syscalls: only the delivery itself is the load. */
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	signal_counter = &work_peer(ctx, ctx->index)->signals;
	if (sigaction(SIGUSR1, &sa, NULL) != 0)
		return -errno;
	return 0;
}

static bool signal_storm_iteration(struct work_ctx *ctx)
{
	struct work_peer *partner = work_peer(ctx, work_partner(ctx));
	const uint32_t *partner_stop;
	int32_t pid, tid;

	if (!work_spin_us(ctx, WORK_PARAM(ctx, 0)))
		return false;
	pid = __atomic_load_n(&partner->pid, __ATOMIC_RELAXED);
	tid = __atomic_load_n(&partner->tid, __ATOMIC_RELAXED);
	partner_stop = (const uint32_t *)(uintptr_t)__atomic_load_n(&partner->stop_addr,
								    __ATOMIC_ACQUIRE);
	/* A partner that has not started or was stopped may be reaped soon:
	 * its tid must not be signalled. */
	if (tid > 0 && partner_stop && !__atomic_load_n(partner_stop, __ATOMIC_RELAXED))
		syscall(SYS_tgkill, pid, tid, SIGUSR1);
	return true;
}

static void signal_storm_fini(struct work_ctx *ctx)
{
	(void)ctx;
	/* Keep the handler: a signal already in flight must not kill us. */
}

const struct work_type_ops work_ops_signal_storm = {
	.worker_init = signal_storm_init,
	.iteration = signal_storm_iteration,
	.worker_fini = signal_storm_fini,
};
