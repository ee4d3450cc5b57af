/* The cell description: what the host asks this VM to run. The text format
 * is specified in docs/guest-protocol.md ("Cell description", version 2):
 * header lines, then either one command (exec/shell) or a scenario of
 * cgroup definitions and steps of ops. The parser validates everything up
 * front, the step-order rules included, so that a bad cell fails with a
 * message naming the line instead of half-running. */
#ifndef KTSTR_CELL_CONFIG_H
#define KTSTR_CELL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cpulist.h"
#include "work_types.h"

#define CELL_VERSION 2
#define CELL_MAX_CGROUPS 64
#define CELL_MAX_STEPS 256
#define CELL_MAX_OPS_PER_STEP 64
#define CELL_MAX_SCHED_ARGS 128
#define CELL_MAX_SCHED_ENV 16
#define CELL_MAX_ALIVE_WORKERS 1024 /* running at the same time */
#define CELL_MAX_RUN_WORKERS 4096   /* started over the whole run */
#define CELL_MAX_BATCH 1024         /* `workers`, `spawn` and `stop` counts */
#define CELL_NAME_COMPONENT_MAX 64
#define CELL_NAME_DEPTH_MAX 4
#define CELL_NAME_MAX (CELL_NAME_DEPTH_MAX * (CELL_NAME_COMPONENT_MAX + 1))
#define CELL_STEP_NAME_MAX 65
#define CELL_CPULIST_MAX 256
#define CELL_PATH_MAX 256
#define CELL_COMM_MAX 16 /* TASK_COMM_LEN, including the NUL */
#define CELL_TERM_MAX 64
#define CELL_MAX_WORKER_AFFINITY 64
#define CELL_MAX_DURATION_MS (24L * 3600 * 1000)

#define CELL_DEFAULT_SCHED_TIMEOUT_MS 20000

enum cell_clone {
	CELL_CLONE_FORK,   /* one process per worker */
	CELL_CLONE_THREAD, /* the workers of a batch are threads of one process */
};

enum cell_policy {
	CELL_POLICY_NORMAL,
	CELL_POLICY_BATCH,
	CELL_POLICY_IDLE,
	CELL_POLICY_FIFO,
	CELL_POLICY_RR,
};

struct cell_worker_affinity {
	int worker; /* index within its batch */
	struct cpu_mask cpus;
};

/* A cgroup definition. Nothing exists in the guest until an `add` op. */
struct cell_cgroup {
	char name[CELL_NAME_MAX]; /* "a" or "parent/child" */
	int line;
	int parent;               /* index of the definition of the parent path, -1 at the top */
	bool has_cpuset;
	char cpuset[CELL_CPULIST_MAX];
	bool has_weight;
	int weight;
	int workers;              /* 0: a pure parent, no workers */
	enum work_kind work;
	struct work_params params; /* defaults of the work type, then the param lines */
	enum cell_clone clone;
	bool has_pcomm;
	char pcomm[CELL_COMM_MAX];
	bool has_comm;
	char comm[CELL_COMM_MAX];
	bool has_nice;
	int nice;
	enum cell_policy policy;
	int priority;             /* fifo / rr: 1..99 */
	bool has_affinity;
	struct cpu_mask affinity;
	int n_worker_affinity;
	struct cell_worker_affinity worker_affinity[CELL_MAX_WORKER_AFFINITY];
};

enum cell_op_kind {
	CELL_OP_ADD,
	CELL_OP_REMOVE,
	CELL_OP_SET_CPUSET,
	CELL_OP_CLEAR_CPUSET,
	CELL_OP_SWAP_CPUSET,
	CELL_OP_SPAWN,
	CELL_OP_STOP,
	CELL_OP_SET_AFFINITY,
	CELL_OP_MOVE,
};

#define CELL_COUNT_ALL (-1) /* `stop a all` */

struct cell_op {
	enum cell_op_kind kind;
	int line;
	int cgroup;                   /* definition index */
	int other;                    /* swap_cpuset, move: the second cgroup; -1 otherwise */
	int count;                    /* spawn, stop: 1..1024; stop may be CELL_COUNT_ALL */
	bool all_cpus;                /* set_affinity ... all */
	char cpus[CELL_CPULIST_MAX];  /* set_cpuset, set_affinity: the cpulist as written */
	struct cpu_mask mask;         /* set_affinity: the parsed cpulist */
};

struct cell_step {
	char name[CELL_STEP_NAME_MAX];
	int line;
	int n_ops;
	struct cell_op ops[CELL_MAX_OPS_PER_STEP];
	long hold_ms;
	long loop_ms; /* 0: the ops are applied once, before the hold */
};

/* What the cell runs after the readiness gate. */
enum cell_mode {
	CELL_MODE_WORKERS, /* the scenario: cgroup definitions and steps */
	CELL_MODE_EXEC,    /* `exec`: one command line, its output sent to the host */
	CELL_MODE_SHELL,   /* `shell`: an interactive shell on the serial console */
};

struct cell {
	int version;
	enum cell_mode mode;
	char *exec_command; /* CELL_MODE_EXEC: the command line, malloc'd */
	bool has_term;
	char term[CELL_TERM_MAX]; /* CELL_MODE_SHELL: TERM for the shell */
	bool has_scheduler;
	char scheduler[CELL_PATH_MAX];
	int n_sched_args;
	char *sched_args[CELL_MAX_SCHED_ARGS]; /* malloc'd */
	int n_sched_env;
	char *sched_env[CELL_MAX_SCHED_ENV]; /* "NAME=value", malloc'd */
	bool has_collect;
	char collect[CELL_PATH_MAX]; /* send the files under it to the host before `done` */
	long sched_timeout_ms;
	long settle_ms;
	int n_cgroups;
	struct cell_cgroup *cgroups; /* malloc'd, CELL_MAX_CGROUPS entries */
	int n_steps;
	struct cell_step *steps;     /* malloc'd, CELL_MAX_STEPS entries */
};

/* Parse text (len bytes, need not be NUL-terminated). On success returns 0
 * and fills *cell (release with cell_free()). On failure returns -1 and
 * writes "line N: problem" (or a whole-cell problem) to err. */
int cell_parse(const char *text, size_t len, struct cell *cell, char *err, size_t err_size);

/* An attach request: header lines only (scheduler, sched_arg, sched_env,
 * sched_timeout_ms), with a scheduler. Same contract as cell_parse. */
int cell_parse_launch(const char *text, size_t len, struct cell *cell, char *err, size_t err_size);

/* Whether two cells start the same scheduler the same way (path, arguments,
 * environment): a cell may run on a scheduler attached by an attach request
 * only when it names that very launch. */
bool cell_same_launch(const struct cell *a, const struct cell *b);

void cell_free(struct cell *cell);

/* The directive that selects a mode ("exec", "shell"; "cgroup" for workers). */
const char *cell_mode_directive(enum cell_mode mode);

/* The sum of the steps' holds: how long the scenario runs. */
long cell_total_hold_ms(const struct cell *cell);

/* Definition index of a cgroup name, -1 when not defined. */
int cell_cgroup_find(const struct cell *cell, const char *name);

/* The summary `ktstr-guest --check-cell` prints (cell_describe.c). */
void cell_describe(FILE *out, const struct cell *cell);

const char *cell_op_name(enum cell_op_kind kind);
const char *cell_clone_name(enum cell_clone clone);
const char *cell_policy_name(enum cell_policy policy);

#endif
