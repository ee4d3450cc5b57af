/* Internals of the cell parser, shared by its parts: the line reader and
 * header directives (cell_config.c), the cgroup definition blocks
 * (cell_cgroup_block.c), the step blocks and their ops (cell_step_block.c)
 * and the step-order rules (cell_scenario_check.c). Not for other users. */
#ifndef KTSTR_CELL_PARSER_H
#define KTSTR_CELL_PARSER_H

#include <stdbool.h>

#include "cell_config.h"

#define CELL_MAX_PARAMS_PER_CGROUP 16

/* A param line is kept until the block's `end`, because `param` may come
 * before `work` and its meaning depends on the work type. */
struct cell_pending_param {
	int line;
	char name[32];
	long long value;
};

enum cell_block_kind { CELL_BLOCK_NONE, CELL_BLOCK_CGROUP, CELL_BLOCK_STEP };

struct cell_parser {
	struct cell *cell;
	int line;
	char *err;
	size_t err_size;

	bool seen_version;
	/* An attach request ('A' frame): only the scheduler's launch lines. */
	bool launch_only;
	bool seen_timeout, seen_settle, seen_duration;
	int collect_line;      /* line of `collect`, 0 if none */
	int mode_line;         /* line of `exec`/`shell`, 0 in worker mode */
	int first_block_line;  /* 0 while there is no cgroup or step block */
	int term_line;

	/* The open block, if any. */
	enum cell_block_kind block;
	int block_line;
	/* cgroup block */
	struct cell_cgroup *cg;
	bool seen_work, seen_workers, seen_clone, seen_policy, seen_affinity;
	int command_line;      /* line of `command`, 0 if none */
	char command[WORK_COMMAND_MAX];
	int n_params;
	struct cell_pending_param params[CELL_MAX_PARAMS_PER_CGROUP];
	/* step block */
	struct cell_step *step;
	bool seen_hold, seen_loop;
};

int cell_fail(struct cell_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Integer parsing with the directive's name in the error. */
bool cell_parse_integer(const char *s, long long *out);
int cell_parse_ranged(struct cell_parser *p, const char *directive, const char *text,
		      long long min, long long max, long long *out);
int cell_expect_fields(struct cell_parser *p, char **fields, int n, int want);
int cell_once(struct cell_parser *p, bool *seen, const char *directive);
/* A cpulist field; fills mask (when not NULL) and copies the text to out. */
int cell_parse_cpulist(struct cell_parser *p, const char *directive, const char *text,
		       char *out, size_t out_size, struct cpu_mask *mask);
/* 1..4 components of [A-Za-z0-9_-]{1,64} joined by '/'. */
bool cell_valid_cgroup_name(const char *s);

/* cgroup blocks */
int cell_cgroup_open(struct cell_parser *p, char **f, int n);
int cell_cgroup_directive(struct cell_parser *p, char **f, int n);
/* `command` takes the rest of the line verbatim. */
int cell_cgroup_command(struct cell_parser *p, const char *value);
int cell_cgroup_close(struct cell_parser *p);

/* step blocks */
int cell_step_open(struct cell_parser *p, char **f, int n);
int cell_step_directive(struct cell_parser *p, char **f, int n);
int cell_step_close(struct cell_parser *p);

/* The rules that need the whole scenario: cgroup presence in step order,
 * the leaf rule, the worker limits. */
int cell_scenario_check(struct cell_parser *p);

#endif
