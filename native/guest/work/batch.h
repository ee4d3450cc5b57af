/* Private to the work types: the layout of a batch's shared state, the
 * table of operations each work type provides, and the helpers the types
 * share (interruptible spins and waits, token passing, wake latency).
 *
 * A batch is made in the agent before its workers exist. Everything the
 * workers exchange lives in `shm` (MAP_SHARED, so it is the same memory for
 * forked processes and for threads) or in fds opened before the fork; the
 * struct work_batch itself is copied into each forked worker and only read
 * there. */
#ifndef KTSTR_WORK_BATCH_H
#define KTSTR_WORK_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "work_types.h"

/* How long any futex wait sleeps before it looks at its stop flag again.
 * Release wakes sleepers at once; this only bounds the rare race where a
 * worker checked its flag just before the agent set it and went to sleep
 * just after the agent's wake. */
#define WORK_WAIT_SLICE_NS 100000000ull

/* What one worker publishes to the others and to the agent. */
struct work_peer {
	/* Counting futex word: wakes owed to this worker (pairs, rings,
	 * fan-out answers). */
	_Alignas(CACHE_LINE) uint32_t tokens;
	/* asymmetric_waker: 1 while a wake is pending. */
	uint32_t flag;
	/* When the last token was given: the start of a wake latency. */
	uint64_t woken_ns;

	/* Written once by work_worker_init, read by others and the agent. */
	_Alignas(CACHE_LINE) uint64_t stop_addr; /* the worker's stop flag */
	int32_t pid;                             /* its process (tgid) */
	int32_t tid;                             /* its thread */
	int32_t child_pgid;                      /* custom: the running command */
	uint32_t lock;                           /* priority_inversion: the triple's lock */
	uint64_t signals;                        /* signal_storm: SIGUSR1 received */
};

struct work_shared {
	/* thundering_herd: the broadcast generation and when it was bumped. */
	_Alignas(CACHE_LINE) uint32_t generation;
	uint64_t generation_ns;
	/* mutex_contention: the batch's lock (0 free, 1 taken, 2 contended). */
	_Alignas(CACHE_LINE) uint32_t lock;
	/* producer_consumer_imbalance: items queued. */
	_Alignas(CACHE_LINE) uint32_t queued;
	struct work_peer peers[];
};

struct work_type_ops;

struct work_batch {
	enum work_kind kind;
	struct work_params params;
	const struct work_type_ops *ops;
	int n;

	/* The environment, with its arrays copied so the batch owns them. */
	struct work_env env;
	char cgroup[256];
	char cgroup_dir[512];
	int *cpu_node;
	struct cpu_mask *cpu_siblings;

	struct work_shared *shm;
	size_t shm_size;

	/* Pipe types: pipe[i] is worker i's inbox (read end [0], write end [1]). */
	int (*pipes)[2];
	/* epoll_storm: each consumer's eventfd. */
	int *eventfds;

	/* I/O types: where the per-worker files are. */
	char io_dir[256];
	/* cgroup_churn: how many sibling cgroups this batch created. */
	int churn_made;
};

/* What each work type implements; only `iteration` is required. */
struct work_type_ops {
	/* In the agent, after the generic state exists. */
	int (*batch_create)(struct work_batch *b, char *err, size_t err_size);
	/* In the agent, after the workers were reaped. */
	void (*batch_destroy)(struct work_batch *b);
	/* In the worker. Returns 0 or -errno with ctx->note set. */
	int (*worker_init)(struct work_ctx *ctx);
	bool (*iteration)(struct work_ctx *ctx);
	void (*worker_fini)(struct work_ctx *ctx);
	/* What the type needs made for it before the fork. */
	bool needs_pipes;
	bool needs_eventfds;
	bool needs_io_dir;
};

/* The type's i-th parameter, in its docs/work-types.md order. */
#define WORK_PARAM(ctx, i) ((ctx)->params->values[i])

/* ---- shared helpers (work/common.c) ---- */

static inline bool work_stopped(const struct work_ctx *ctx)
{
	return __atomic_load_n(ctx->stop, __ATOMIC_RELAXED) != 0;
}

static inline struct work_peer *work_peer(const struct work_ctx *ctx, int index)
{
	return &ctx->batch->shm->peers[index];
}

/* Pairs (0,1), (2,3), ...; an odd worker out pairs with itself. */
int work_partner(const struct work_ctx *ctx);

/* Busy-wait for a wall-clock duration; false if the stop flag cut it short. */
bool work_spin_us(const struct work_ctx *ctx, long long us);
/* `turns` empty loop turns, as spin_wait does. */
void work_spin_turns(long long turns);
/* Sleep (hrtimer) for us, in slices so a long sleep still sees stop. */
bool work_sleep_us(const struct work_ctx *ctx, long long us);

/* futex wait on a shared word with the wait slice as timeout. */
void work_futex_wait(uint32_t *word, uint32_t expected);

/* Give worker `to` one token (counting futex word) and wake it. */
void work_give_token(struct work_ctx *ctx, int to);
/* Take one of the caller's tokens, sleeping while there is none. Returns
 * false on stop; *slept says whether it had to wait for a wake. */
bool work_take_token(struct work_ctx *ctx, bool *slept);

/* The pipe exchange: post one byte to worker `to`'s pipe, then consume one
 * from the caller's, recording the wake latency when it had to block. */
bool work_pipe_exchange(struct work_ctx *ctx, int to);
/* Consume one byte from the caller's pipe (wake_chain). */
bool work_pipe_take(struct work_ctx *ctx);
void work_pipe_give(struct work_ctx *ctx, int to);

/* Record now - woken_ns as a wake latency of this worker. */
void work_record_wake(struct work_ctx *ctx, uint64_t woken_ns);

/* Switch the calling thread's policy; priority for FIFO/RR. 0 or -errno. */
int work_set_policy(int policy, int priority);

/* Pin the calling thread to one CPU / a mask. 0 or -errno. */
int work_pin_cpu(int cpu);
int work_pin_mask(const struct cpu_mask *mask);
/* The CPUs of the batch's allowed set, in order; returns how many. */
int work_allowed_cpus(const struct work_batch *b, int *cpus, int max);

/* A cheap per-worker random number generator (xorshift64*). */
uint64_t work_random(uint64_t *state);

/* Memory the worker touches: page-aligned, zero-filled, or NULL. */
void *work_alloc_pages(size_t bytes);
void work_free_pages(void *p, size_t bytes);

/* The calling thread's id. */
pid_t work_gettid(void);

/* ---- the types, one table per family file ---- */

/* work/cpu.c */
extern const struct work_type_ops work_ops_spin_wait, work_ops_yield_heavy, work_ops_mixed,
	work_ops_alu_hot, work_ops_smt_sibling_spin, work_ops_bursty, work_ops_idle_churn,
	work_ops_sequence;
/* work/memory.c */
extern const struct work_type_ops work_ops_ipc_variance, work_ops_cache_pressure,
	work_ops_cache_yield, work_ops_page_fault_churn, work_ops_numa_working_set_sweep;
/* work/io.c */
extern const struct work_type_ops work_ops_io_sync_write, work_ops_io_rand_read,
	work_ops_io_convoy;
/* work/wake.c */
extern const struct work_type_ops work_ops_pipe_io, work_ops_futex_ping_pong,
	work_ops_cache_pipe, work_ops_futex_fan_out, work_ops_fan_out_compute,
	work_ops_asymmetric_waker, work_ops_wake_chain, work_ops_epoll_storm,
	work_ops_thundering_herd, work_ops_signal_storm;
/* work/churn.c */
extern const struct work_type_ops work_ops_fork_exit, work_ops_nice_sweep,
	work_ops_affinity_churn, work_ops_policy_churn, work_ops_numa_migration_churn,
	work_ops_cgroup_churn;
/* work/locks.c */
extern const struct work_type_ops work_ops_mutex_contention, work_ops_priority_inversion,
	work_ops_producer_consumer_imbalance;
/* work/rt.c */
extern const struct work_type_ops work_ops_preempt_storm, work_ops_rt_starvation;
/* work/custom.c */
extern const struct work_type_ops work_ops_custom;

/* work/io.c: make the batch's I/O directory (mounting the tmpfs at the
 * default root when it is not there yet), and remove its workers' files. */
int work_io_prepare(struct work_batch *b, char *err, size_t err_size);
void work_io_cleanup(struct work_batch *b);
/* work/io.c: open (creating) worker `index`'s file of `bytes`, O_DIRECT when
 * the filesystem takes it (else a note). Returns the fd or -errno. */
int work_io_open(struct work_ctx *ctx, int extra_flags, size_t bytes);
void work_io_path(const struct work_batch *b, int index, char *path, size_t size);
/* cache_pressure's pass, shared by cache_yield and cache_pipe. */
bool work_cache_pass(struct work_ctx *ctx);
int work_cache_init(struct work_ctx *ctx);
void work_cache_fini(struct work_ctx *ctx);

#endif
