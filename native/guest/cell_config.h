/* The cell description: what the host asks this VM to run. The text format
 * is specified in docs/guest-protocol.md ("Cell description"); this parser
 * validates everything up front so that a bad cell fails with a message
 * naming the line instead of half-running. */
#ifndef KTSTR_CELL_CONFIG_H
#define KTSTR_CELL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "work_types.h"

#define CELL_MAX_CGROUPS 64
#define CELL_MAX_SCHED_ARGS 128
#define CELL_MAX_WORKERS 1024 /* over all cgroups */
#define CELL_NAME_MAX 64
#define CELL_CPULIST_MAX 256
#define CELL_PATH_MAX 256
#define CELL_COMM_MAX 16 /* TASK_COMM_LEN, including the NUL */
#define CELL_TERM_MAX 64

#define CELL_DEFAULT_SCHED_TIMEOUT_MS 20000

struct cell_cgroup {
	char name[CELL_NAME_MAX];
	bool has_cpuset;
	char cpuset[CELL_CPULIST_MAX];
	int workers;
	enum work_kind work;
	struct work_params params; /* defaults of the work type, then the param lines */
	bool has_comm;
	char comm[CELL_COMM_MAX];
	bool has_nice;
	int nice;
};

/* What the cell runs after the readiness gate. */
enum cell_mode {
	CELL_MODE_WORKERS, /* the cgroup blocks' workers, for duration_ms */
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
	long sched_timeout_ms;
	long duration_ms;
	long settle_ms;
	int n_cgroups;
	struct cell_cgroup cgroups[CELL_MAX_CGROUPS];
};

/* Parse text (len bytes, need not be NUL-terminated). On success returns 0
 * and fills *cell (release with cell_free()). On failure returns -1 and
 * writes "line N: problem" (or a whole-cell problem) to err. */
int cell_parse(const char *text, size_t len, struct cell *cell, char *err, size_t err_size);

void cell_free(struct cell *cell);

/* The directive that selects a mode ("exec", "shell"; "cgroup" for workers). */
const char *cell_mode_directive(enum cell_mode mode);

/* Number of workers over all cgroups. */
int cell_total_workers(const struct cell *cell);

#endif
