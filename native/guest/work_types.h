/* The work types a cgroup's workers run (docs/work-types.md): their names,
 * parameters, the shared state of a batch of workers, and the body of one
 * iteration. The loop around the iterations (barrier, bookkeeping, stop),
 * the clone mode and the placement in cgroups are the worker runtime's
 * business (workers.c); the implementations live in work/. */
#ifndef KTSTR_WORK_TYPES_H
#define KTSTR_WORK_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpulist.h"
#include "worker_shared.h"

enum work_kind {
	WORK_SPIN_WAIT,
	WORK_YIELD_HEAVY,
	WORK_MIXED,
	WORK_ALU_HOT,
	WORK_SMT_SIBLING_SPIN,
	WORK_IPC_VARIANCE,
	WORK_IO_SYNC_WRITE,
	WORK_IO_RAND_READ,
	WORK_IO_CONVOY,
	WORK_BURSTY,
	WORK_IDLE_CHURN,
	WORK_PIPE_IO,
	WORK_FUTEX_PING_PONG,
	WORK_FUTEX_FAN_OUT,
	WORK_CACHE_PRESSURE,
	WORK_CACHE_YIELD,
	WORK_CACHE_PIPE,
	WORK_SEQUENCE,
	WORK_FORK_EXIT,
	WORK_NICE_SWEEP,
	WORK_AFFINITY_CHURN,
	WORK_POLICY_CHURN,
	WORK_NUMA_MIGRATION_CHURN,
	WORK_CGROUP_CHURN,
	WORK_FAN_OUT_COMPUTE,
	WORK_ASYMMETRIC_WAKER,
	WORK_WAKE_CHAIN,
	WORK_EPOLL_STORM,
	WORK_THUNDERING_HERD,
	WORK_PAGE_FAULT_CHURN,
	WORK_NUMA_WORKING_SET_SWEEP,
	WORK_MUTEX_CONTENTION,
	WORK_PRIORITY_INVERSION,
	WORK_PRODUCER_CONSUMER_IMBALANCE,
	WORK_SIGNAL_STORM,
	WORK_PREEMPT_STORM,
	WORK_RT_STARVATION,
	WORK_CUSTOM,
	WORK_KIND_COUNT
};

#define WORK_MAX_PARAMS 4
#define WORK_COMMAND_MAX 1024

/* The parameters of one work type, in the order of its table entry in
 * docs/work-types.md; values[i] belongs to the type's i-th parameter. */
struct work_params {
	long long values[WORK_MAX_PARAMS];
	char command[WORK_COMMAND_MAX]; /* custom: the command line */
};

/* Returns -1 for an unknown name. */
int work_kind_from_name(const char *name);
const char *work_kind_name(enum work_kind kind);
/* "spin_wait | yield_heavy | ..." for error messages. */
const char *work_kind_all_names(void);

void work_params_default(enum work_kind kind, struct work_params *params);

enum work_param_result {
	WORK_PARAM_OK,
	WORK_PARAM_UNUSED,       /* a known parameter this work type ignores */
	WORK_PARAM_UNKNOWN,      /* no work type has a parameter of that name */
	WORK_PARAM_OUT_OF_RANGE,
};
enum work_param_result work_param_set(enum work_kind kind, struct work_params *params,
				      const char *name, long long value);
/* The accepted range of a parameter, for error messages; false if unknown. */
bool work_param_range(const char *name, long long *min, long long *max);

/* The name of the type's i-th parameter, NULL past its last. */
const char *work_param_name(enum work_kind kind, int i);

/* Where the I/O types put their files (default /ktstr/io, a tmpfs mounted
 * on first use). Host-side tools point it at a directory of their own. */
void work_set_io_root(const char *dir);

/* Whether the type records wake latencies (the worker message's
 * wake_latency_us_p99 is null for the others). */
bool work_kind_records_latency(enum work_kind kind);

/* What a batch's work needs to know about where it runs. Filled by the
 * worker runtime before work_batch_create(). */
struct work_env {
	const char *cgroup;            /* the definition's name, e.g. "a" or "p/c" */
	const char *cgroup_dir;        /* its directory, e.g. /sys/fs/cgroup/p/c */
	int batch;                     /* batch number within the definition */
	int first_index;               /* the batch's first worker index in the definition */
	struct cpu_mask allowed;       /* CPUs the batch may run on (cpuset or affinity) */
	bool threads;                  /* clone thread: workers share one address space */
	int n_cpus;                    /* CPUs online in the guest */
	const int *cpu_node;           /* [n_cpus]: NUMA node of each CPU, -1 if unknown */
	const struct cpu_mask *cpu_siblings; /* [n_cpus]: SMT siblings of each CPU, itself included */
};

/* The shared state of one batch (pipes, futex words, queues, files): made by
 * the agent before the batch's workers are forked or cloned, so it is
 * reachable from every worker in both clone modes. Opaque to the runtime. */
struct work_batch;

/* Returns NULL on failure with a message in err ("what: why"). */
struct work_batch *work_batch_create(enum work_kind kind, const struct work_params *params,
				     int n_workers, const struct work_env *env,
				     char *err, size_t err_size);
/* At stop: wake every worker of the batch that is blocked (on a futex, a
 * pipe, epoll, a lock) so it sees the stop flag. Safe to call repeatedly. */
void work_batch_release(struct work_batch *b);
/* In the agent, after every worker of the batch was reaped (or the threads'
 * process was). Closes fds, unmaps, removes files and churn cgroups. */
void work_batch_destroy(struct work_batch *b);

/* Everything one worker's iterations need. */
struct work_ctx {
	enum work_kind kind;
	const struct work_params *params;
	struct work_batch *batch;
	int index;                     /* within the batch, 0..n-1 */
	int n;                         /* workers in the batch */
	/* This worker's stop flag (set by the agent). It must be at the same
	 * address in the agent (the worker region mapped before the fork):
	 * work_batch_release reads it to wake only the stopped workers. */
	const uint32_t *stop;
	struct worker_slot *self;      /* its slot: wake-latency histogram, counters */
	void *state;                   /* per-worker state made by work_worker_init */
	char note[128];                /* set by the work type: a remark for the worker message */
};

/* In the worker (its own process or thread), after it is placed in its
 * cgroup and before the start barrier. Returns 0, or -errno with a reason
 * in ctx->note; the worker then reports and exits. */
int work_worker_init(struct work_ctx *ctx);

/* Run one iteration. Returns false when the stop flag cut it short (the
 * iteration is then not counted). */
bool work_iteration(struct work_ctx *ctx);

/* In the worker, after its last iteration. */
void work_worker_fini(struct work_ctx *ctx);

#endif
