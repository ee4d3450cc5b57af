#include "cell_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell_parser.h"
#include "cpulist.h"
#include "log.h"

#define MAX_FIELDS 8
#define MAX_LINE 4096

int cell_fail(struct cell_parser *p, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (p->line > 0)
		n = snprintf(p->err, p->err_size, "line %d: ", p->line);
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->err_size - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

bool cell_parse_integer(const char *s, long long *out)
{
	char *end;

	if (!*s || !(isdigit((unsigned char)*s) || (*s == '-' && isdigit((unsigned char)s[1]))))
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

int cell_parse_ranged(struct cell_parser *p, const char *directive, const char *text,
		      long long min, long long max, long long *out)
{
	if (!cell_parse_integer(text, out))
		return cell_fail(p, "%s: '%s' is not an integer", directive, text);
	if (*out < min || *out > max)
		return cell_fail(p, "%s: %lld is out of range [%lld, %lld]", directive, *out, min, max);
	return 0;
}

int cell_expect_fields(struct cell_parser *p, char **fields, int n, int want)
{
	if (n < want)
		return cell_fail(p, "%s: missing value", fields[0]);
	if (n > want)
		return cell_fail(p, "%s: unexpected extra field '%s'", fields[0], fields[want]);
	return 0;
}

int cell_once(struct cell_parser *p, bool *seen, const char *directive)
{
	if (*seen)
		return cell_fail(p, "duplicate '%s'", directive);
	*seen = true;
	return 0;
}

int cell_parse_cpulist(struct cell_parser *p, const char *directive, const char *text,
		       char *out, size_t out_size, struct cpu_mask *mask)
{
	struct cpu_mask scratch;

	if (strlen(text) >= out_size || cpulist_parse(text, mask ? mask : &scratch) != 0)
		return cell_fail(p, "%s: '%s' is not a cpulist like 0-3,6 (CPUs below %d)",
				 directive, text, CPU_MAX);
	strcpy(out, text);
	return 0;
}

bool cell_valid_cgroup_name(const char *s)
{
	int depth = 1, len = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s == '/') {
			if (len == 0 || ++depth > CELL_NAME_DEPTH_MAX)
				return false;
			len = 0;
		} else if (isalnum((unsigned char)*s) || *s == '_' || *s == '-') {
			if (++len > CELL_NAME_COMPONENT_MAX)
				return false;
		} else {
			return false;
		}
	}
	return len > 0;
}

static const char *block_name(const struct cell_parser *p)
{
	return p->block == CELL_BLOCK_CGROUP ? p->cg->name : p->step->name;
}

static int need_top_level(struct cell_parser *p, const char *directive)
{
	if (p->block != CELL_BLOCK_NONE)
		return cell_fail(p, "'%s' inside %s block '%s' (opened on line %d; missing 'end'?)",
				 directive, p->block == CELL_BLOCK_CGROUP ? "cgroup" : "step",
				 block_name(p), p->block_line);
	return 0;
}

/* `exec` and `shell` replace the scenario, so a cell has at most one of them
 * and no cgroup or step block; the conflict is reported on whichever line
 * comes second. */
static int set_mode(struct cell_parser *p, enum cell_mode mode, const char *directive)
{
	struct cell *c = p->cell;

	if (c->mode == mode)
		return cell_fail(p, "duplicate '%s'", directive);
	if (c->mode != CELL_MODE_WORKERS)
		return cell_fail(p, "'%s' cannot be combined with '%s' (line %d): a cell runs one command",
				 directive, cell_mode_directive(c->mode), p->mode_line);
	if (p->first_block_line)
		return cell_fail(p, "'%s' cannot be combined with cgroup or step blocks (line %d): "
				 "its command runs instead of workers",
				 directive, p->first_block_line);
	c->mode = mode;
	p->mode_line = p->line;
	return 0;
}

static int exec_directive(struct cell_parser *p, const char *value)
{
	struct cell *c = p->cell;

	if (value[strspn(value, " \t")] == '\0')
		return cell_fail(p, "exec: missing value");
	if (set_mode(p, CELL_MODE_EXEC, "exec"))
		return -1;
	c->exec_command = strdup(value);
	if (!c->exec_command)
		return cell_fail(p, "out of memory");
	return 0;
}

/* TERM ends up in the shell's environment and terminfo lookups: keep it to
 * the characters terminal names are made of. */
static bool valid_term(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._+-", *s))
			return false;
	return true;
}

/* Directives whose value is the rest of the line, spaces included. */
static int rest_of_line_directive(struct cell_parser *p, const char *directive, const char *value)
{
	struct cell *c = p->cell;

	if (p->launch_only && strcmp(directive, "sched_arg") != 0)
		return cell_fail(p, "'%s' has no place in an attach request (only scheduler, "
				 "sched_arg, sched_env and sched_timeout_ms)", directive);
	if (strcmp(directive, "command") == 0) {
		if (p->block != CELL_BLOCK_CGROUP)
			return cell_fail(p, "'command' outside a cgroup block");
		return cell_cgroup_command(p, value);
	}
	if (need_top_level(p, directive))
		return -1;
	if (strcmp(directive, "log") == 0) {
		/* A marker for whoever reads the console log. */
		agent_log("cell: %s", value);
		return 0;
	}
	if (strcmp(directive, "exec") == 0)
		return exec_directive(p, value);
	if (c->n_sched_args >= CELL_MAX_SCHED_ARGS)
		return cell_fail(p, "too many sched_arg lines (at most %d)", CELL_MAX_SCHED_ARGS);
	c->sched_args[c->n_sched_args] = strdup(value);
	if (!c->sched_args[c->n_sched_args])
		return cell_fail(p, "out of memory");
	c->n_sched_args++;
	return 0;
}

/* `sched_env NAME=value`: one variable of the scheduler's environment (e.g.
 * GCOV_PREFIX for a coverage build). The value has no spaces, like every
 * field; the name is what a shell would accept. */
static int sched_env_directive(struct cell_parser *p, const char *value)
{
	struct cell *c = p->cell;
	const char *eq = strchr(value, '=');
	const char *s;

	if (!eq || eq == value || !(isalpha((unsigned char)value[0]) || value[0] == '_'))
		return cell_fail(p, "sched_env: '%s' is not NAME=value (NAME: [A-Za-z_][A-Za-z0-9_]*)", value);
	for (s = value; s < eq; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return cell_fail(p, "sched_env: '%s' is not NAME=value (NAME: [A-Za-z_][A-Za-z0-9_]*)", value);
	if (c->n_sched_env >= CELL_MAX_SCHED_ENV)
		return cell_fail(p, "too many sched_env lines (at most %d)", CELL_MAX_SCHED_ENV);
	c->sched_env[c->n_sched_env] = strdup(value);
	if (!c->sched_env[c->n_sched_env])
		return cell_fail(p, "out of memory");
	c->n_sched_env++;
	return 0;
}

/* `collect DIR`: an absolute directory without `..` whose files go back to
 * the host (collect.c). */
static int collect_directive(struct cell_parser *p, const char *dir)
{
	struct cell *c = p->cell;

	if (p->collect_line)
		return cell_fail(p, "duplicate 'collect'");
	if (dir[0] != '/' || strstr(dir, "/../") || (strlen(dir) >= 3 && strcmp(dir + strlen(dir) - 3, "/..") == 0))
		return cell_fail(p, "collect: '%s' is not an absolute path without '..'", dir);
	if (strlen(dir) >= sizeof(c->collect))
		return cell_fail(p, "collect: path longer than %zu bytes", sizeof(c->collect) - 1);
	strcpy(c->collect, dir);
	c->has_collect = true;
	p->collect_line = p->line;
	return 0;
}

static int version_directive(struct cell_parser *p, char **f, int n)
{
	long long v;

	if (p->seen_version)
		return cell_fail(p, "duplicate 'ktstr-cell'");
	if (cell_expect_fields(p, f, n, 2))
		return -1;
	if (!cell_parse_integer(f[1], &v) || (v != 1 && v != CELL_VERSION))
		return cell_fail(p, "unsupported cell format version '%s' (this agent reads %d)",
				 f[1], CELL_VERSION);
	if (v == 1)
		return cell_fail(p, "version 1 cells are no longer accepted; the host sends ktstr-cell 2");
	p->seen_version = true;
	p->cell->version = CELL_VERSION;
	return 0;
}

static int block_opens(struct cell_parser *p, const char *d)
{
	if (need_top_level(p, d))
		return -1;
	if (p->cell->mode != CELL_MODE_WORKERS)
		return cell_fail(p, "%s blocks cannot be combined with '%s' (line %d): "
				 "its command runs instead of workers",
				 d, cell_mode_directive(p->cell->mode), p->mode_line);
	if (!p->first_block_line)
		p->first_block_line = p->line;
	return 0;
}

static int top_level_directive(struct cell_parser *p, char **f, int n)
{
	struct cell *c = p->cell;
	const char *d = f[0];
	long long v;

	if (strcmp(d, "scheduler") == 0) {
		if (cell_expect_fields(p, f, n, 2) || cell_once(p, &c->has_scheduler, d))
			return -1;
		if (strlen(f[1]) >= sizeof(c->scheduler))
			return cell_fail(p, "scheduler: path longer than %zu bytes", sizeof(c->scheduler) - 1);
		strcpy(c->scheduler, f[1]);
	} else if (strcmp(d, "sched_timeout_ms") == 0) {
		if (cell_expect_fields(p, f, n, 2) || cell_once(p, &p->seen_timeout, d) ||
		    cell_parse_ranged(p, d, f[1], 1, CELL_MAX_DURATION_MS, &v))
			return -1;
		c->sched_timeout_ms = (long)v;
	} else if (strcmp(d, "duration_ms") == 0) {
		/* Version 1's hold: accepted so that old tooling's cells with
		 * a command still parse; the steps' holds decide now. */
		if (cell_expect_fields(p, f, n, 2) || cell_once(p, &p->seen_duration, d) ||
		    cell_parse_ranged(p, d, f[1], 0, CELL_MAX_DURATION_MS, &v))
			return -1;
	} else if (strcmp(d, "settle_ms") == 0) {
		if (cell_expect_fields(p, f, n, 2) || cell_once(p, &p->seen_settle, d) ||
		    cell_parse_ranged(p, d, f[1], 0, CELL_MAX_DURATION_MS, &v))
			return -1;
		c->settle_ms = (long)v;
	} else if (strcmp(d, "sched_env") == 0) {
		if (cell_expect_fields(p, f, n, 2))
			return -1;
		return sched_env_directive(p, f[1]);
	} else if (strcmp(d, "collect") == 0) {
		if (cell_expect_fields(p, f, n, 2))
			return -1;
		return collect_directive(p, f[1]);
	} else if (strcmp(d, "shell") == 0) {
		if (cell_expect_fields(p, f, n, 1) || set_mode(p, CELL_MODE_SHELL, d))
			return -1;
	} else if (strcmp(d, "term") == 0) {
		if (cell_expect_fields(p, f, n, 2) || cell_once(p, &c->has_term, d))
			return -1;
		if (!valid_term(f[1]) || strlen(f[1]) >= sizeof(c->term))
			return cell_fail(p, "term: invalid terminal type '%s' (want [A-Za-z0-9._+-]+, at most %zu characters)",
					 f[1], sizeof(c->term) - 1);
		strcpy(c->term, f[1]);
		p->term_line = p->line;
	} else if (strcmp(d, "cgroup") == 0) {
		if (block_opens(p, d))
			return -1;
		return cell_cgroup_open(p, f, n);
	} else if (strcmp(d, "step") == 0) {
		if (block_opens(p, d))
			return -1;
		return cell_step_open(p, f, n);
	} else {
		return cell_fail(p, "unknown directive '%s'", d);
	}
	return 0;
}

static int directive(struct cell_parser *p, char **f, int n)
{
	const char *d = f[0];

	if (!p->seen_version && strcmp(d, "ktstr-cell") != 0)
		return cell_fail(p, "the first line must be 'ktstr-cell %d', got '%s'", CELL_VERSION, d);
	if (strcmp(d, "ktstr-cell") == 0)
		return version_directive(p, f, n);
	if (p->launch_only && strcmp(d, "scheduler") != 0 && strcmp(d, "sched_arg") != 0 &&
	    strcmp(d, "sched_env") != 0 && strcmp(d, "sched_timeout_ms") != 0)
		return cell_fail(p, "'%s' has no place in an attach request (only scheduler, "
				 "sched_arg, sched_env and sched_timeout_ms)", d);
	switch (p->block) {
	case CELL_BLOCK_CGROUP:
		return cell_cgroup_directive(p, f, n);
	case CELL_BLOCK_STEP:
		return cell_step_directive(p, f, n);
	case CELL_BLOCK_NONE:
		break;
	}
	if (strcmp(d, "end") == 0)
		return cell_fail(p, "'end' outside a cgroup or step block");
	return top_level_directive(p, f, n);
}

static bool is_rest_of_line(const char *s)
{
	static const char *const names[] = { "sched_arg ", "log ", "exec ", "command " };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(s, names[i], strlen(names[i])) == 0)
			return true;
	return false;
}

static int parse_line(struct cell_parser *p, char *line)
{
	char *fields[MAX_FIELDS + 1];
	char *s = line, *space;
	int n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#')
		return 0;

	/* sched_arg, log, exec and command take the rest of the line verbatim
	 * (a shell command line may well contain " #"). */
	space = strchr(s, ' ');
	if (space && p->seen_version && is_rest_of_line(s)) {
		*space = '\0';
		return rest_of_line_directive(p, s, space + 1);
	}

	/* Other directives: fields separated by spaces; a field starting with
	 * '#' begins a trailing comment. */
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '#')
			break;
		if (n == MAX_FIELDS)
			return cell_fail(p, "too many fields");
		fields[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
	if (!strcmp(fields[0], "sched_arg") ||
	    !strcmp(fields[0], "log") || !strcmp(fields[0], "exec") || !strcmp(fields[0], "command")) {
		if (!p->seen_version)
			return cell_fail(p, "the first line must be 'ktstr-cell %d', got '%s'",
					 CELL_VERSION, fields[0]);
		return cell_fail(p, "%s: missing value", fields[0]);
	}
	return directive(p, fields, n);
}

/* Checks that need the whole cell. */
static int finish_cell(struct cell_parser *p)
{
	struct cell *cell = p->cell;

	if (!p->seen_version) {
		p->line = 0;
		return cell_fail(p, "empty cell: the first line must be 'ktstr-cell %d'", CELL_VERSION);
	}
	if (p->block != CELL_BLOCK_NONE) {
		const char *kind = p->block == CELL_BLOCK_CGROUP ? "cgroup" : "step";

		p->line = p->block_line;
		return cell_fail(p, "%s '%s' is never closed with 'end'", kind, block_name(p));
	}
	p->line = 0;
	if (cell->has_term && cell->mode != CELL_MODE_SHELL) {
		p->line = p->term_line;
		return cell_fail(p, "'term' without 'shell': only the interactive shell has a terminal");
	}
	if (cell->n_sched_args > 0 && !cell->has_scheduler)
		return cell_fail(p, "sched_arg given without a 'scheduler' line");
	if (cell->n_sched_env > 0 && !cell->has_scheduler)
		return cell_fail(p, "sched_env given without a 'scheduler' line");
	if (p->launch_only)
		return cell->has_scheduler ? 0 : cell_fail(p, "an attach request needs a 'scheduler' line");
	if (cell->mode != CELL_MODE_WORKERS)
		return 0;
	if (cell->n_steps == 0)
		return cell_fail(p, "no step: a scenario needs at least one 'step' block "
				 "(or the cell has 'exec' or 'shell')");
	return cell_scenario_check(p);
}

static int parse_text(const char *text, size_t len, struct cell *cell, char *err, size_t err_size,
		      bool launch_only);

int cell_parse(const char *text, size_t len, struct cell *cell, char *err, size_t err_size)
{
	return parse_text(text, len, cell, err, err_size, false);
}

int cell_parse_launch(const char *text, size_t len, struct cell *cell, char *err, size_t err_size)
{
	return parse_text(text, len, cell, err, err_size, true);
}

bool cell_same_launch(const struct cell *a, const struct cell *b)
{
	if (a->has_scheduler != b->has_scheduler || strcmp(a->scheduler, b->scheduler) != 0 ||
	    a->n_sched_args != b->n_sched_args || a->n_sched_env != b->n_sched_env)
		return false;
	for (int i = 0; i < a->n_sched_args; i++)
		if (strcmp(a->sched_args[i], b->sched_args[i]) != 0)
			return false;
	for (int i = 0; i < a->n_sched_env; i++)
		if (strcmp(a->sched_env[i], b->sched_env[i]) != 0)
			return false;
	return true;
}

static int parse_text(const char *text, size_t len, struct cell *cell, char *err, size_t err_size,
		      bool launch_only)
{
	struct cell_parser *p;
	char line[MAX_LINE];
	size_t pos = 0;
	int rc = -1;

	memset(cell, 0, sizeof(*cell));
	cell->sched_timeout_ms = CELL_DEFAULT_SCHED_TIMEOUT_MS;
	err[0] = '\0';
	/* The parser holds a command buffer and the pending params: keep it
	 * off the stack, like the cell's tables. */
	p = calloc(1, sizeof(*p));
	cell->cgroups = calloc(CELL_MAX_CGROUPS, sizeof(*cell->cgroups));
	if (!p || !cell->cgroups) {
		snprintf(err, err_size, "out of memory");
		goto out;
	}
	p->cell = cell;
	p->launch_only = launch_only;
	p->err = err;
	p->err_size = err_size;

	while (pos < len) {
		size_t end = pos, n;

		while (end < len && text[end] != '\n')
			end++;
		n = end - pos;
		p->line++;
		if (n >= sizeof(line)) {
			cell_fail(p, "line longer than %zu bytes", sizeof(line) - 1);
			goto out;
		}
		memcpy(line, text + pos, n);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		line[n] = '\0';
		if (memchr(line, '\0', n)) {
			cell_fail(p, "NUL byte in line");
			goto out;
		}
		if (parse_line(p, line) != 0)
			goto out;
		pos = end + 1;
	}
	rc = finish_cell(p);
out:
	free(p);
	if (rc != 0)
		cell_free(cell);
	return rc;
}

void cell_free(struct cell *cell)
{
	for (int i = 0; i < cell->n_sched_args; i++)
		free(cell->sched_args[i]);
	cell->n_sched_args = 0;
	for (int i = 0; i < cell->n_sched_env; i++)
		free(cell->sched_env[i]);
	cell->n_sched_env = 0;
	free(cell->exec_command);
	cell->exec_command = NULL;
	free(cell->cgroups);
	cell->cgroups = NULL;
	cell->n_cgroups = 0;
	free(cell->steps);
	cell->steps = NULL;
	cell->n_steps = 0;
}

const char *cell_mode_directive(enum cell_mode mode)
{
	switch (mode) {
	case CELL_MODE_EXEC:
		return "exec";
	case CELL_MODE_SHELL:
		return "shell";
	case CELL_MODE_WORKERS:
		break;
	}
	return "cgroup";
}

long cell_total_hold_ms(const struct cell *cell)
{
	long total = 0;

	for (int i = 0; i < cell->n_steps; i++)
		total += cell->steps[i].hold_ms;
	return total;
}

int cell_cgroup_find(const struct cell *cell, const char *name)
{
	for (int i = 0; i < cell->n_cgroups; i++)
		if (strcmp(cell->cgroups[i].name, name) == 0)
			return i;
	return -1;
}

const char *cell_op_name(enum cell_op_kind kind)
{
	static const char *const names[] = {
		[CELL_OP_ADD] = "add",
		[CELL_OP_REMOVE] = "remove",
		[CELL_OP_SET_CPUSET] = "set_cpuset",
		[CELL_OP_CLEAR_CPUSET] = "clear_cpuset",
		[CELL_OP_SWAP_CPUSET] = "swap_cpuset",
		[CELL_OP_SPAWN] = "spawn",
		[CELL_OP_STOP] = "stop",
		[CELL_OP_SET_AFFINITY] = "set_affinity",
		[CELL_OP_MOVE] = "move",
	};
	return names[kind];
}

const char *cell_clone_name(enum cell_clone clone)
{
	return clone == CELL_CLONE_THREAD ? "thread" : "fork";
}

const char *cell_policy_name(enum cell_policy policy)
{
	static const char *const names[] = {
		[CELL_POLICY_NORMAL] = "normal",
		[CELL_POLICY_BATCH] = "batch",
		[CELL_POLICY_IDLE] = "idle",
		[CELL_POLICY_FIFO] = "fifo",
		[CELL_POLICY_RR] = "rr",
	};
	return names[policy];
}
