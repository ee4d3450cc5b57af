#include "cell_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "log.h"

#define MAX_FIELDS 8
#define MAX_LINE 4096
#define MAX_DURATION_MS (24L * 3600 * 1000)
#define MAX_PARAMS_PER_CGROUP 16

/* A param line is kept until the block's `end`, because `param` may come
 * before `work` and its meaning depends on the work type. */
struct pending_param {
	int line;
	char name[32];
	long long value;
};

struct parser {
	struct cell *cell;
	int line;
	char *err;
	size_t err_size;

	bool seen_version;
	bool seen_timeout, seen_duration, seen_settle;
	int mode_line;         /* line of `exec`/`shell`, 0 in worker mode */
	int first_cgroup_line; /* 0 while there is no cgroup block */
	int term_line;

	/* The open cgroup block, if any. */
	struct cell_cgroup *block;
	int block_line;
	bool block_has_work, block_has_workers;
	int n_params;
	struct pending_param params[MAX_PARAMS_PER_CGROUP];
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *p, const char *fmt, ...)
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

static bool parse_integer(const char *s, long long *out)
{
	char *end;

	if (!*s || !(isdigit((unsigned char)*s) || (*s == '-' && isdigit((unsigned char)s[1]))))
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

static int parse_ranged(struct parser *p, const char *directive, const char *text,
			long long min, long long max, long long *out)
{
	if (!parse_integer(text, out))
		return fail(p, "%s: '%s' is not an integer", directive, text);
	if (*out < min || *out > max)
		return fail(p, "%s: %lld is out of range [%lld, %lld]", directive, *out, min, max);
	return 0;
}

static bool valid_cgroup_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

static int expect_fields(struct parser *p, char **fields, int n, int want)
{
	if (n < want)
		return fail(p, "%s: missing value", fields[0]);
	if (n > want)
		return fail(p, "%s: unexpected extra field '%s'", fields[0], fields[want]);
	return 0;
}

static int need_block(struct parser *p, const char *directive)
{
	if (!p->block)
		return fail(p, "'%s' outside a cgroup block", directive);
	return 0;
}

static int need_top_level(struct parser *p, const char *directive)
{
	if (p->block)
		return fail(p, "'%s' inside cgroup block '%s' (opened on line %d; missing 'end'?)",
			    directive, p->block->name, p->block_line);
	return 0;
}

static int once(struct parser *p, bool *seen, const char *directive)
{
	if (*seen)
		return fail(p, "duplicate '%s'", directive);
	*seen = true;
	return 0;
}

static int end_block(struct parser *p)
{
	struct cell_cgroup *cg = p->block;

	if (!p->block_has_workers)
		return fail(p, "cgroup '%s' (line %d) has no 'workers' line", cg->name, p->block_line);
	if (!p->block_has_work)
		return fail(p, "cgroup '%s' (line %d) has no 'work' line", cg->name, p->block_line);
	work_params_default(cg->work, &cg->params);
	for (int i = 0; i < p->n_params; i++) {
		struct pending_param *pp = &p->params[i];

		switch (work_param_set(cg->work, &cg->params, pp->name, pp->value)) {
		case WORK_PARAM_OK:
			break;
		case WORK_PARAM_UNUSED:
			/* Accepted so the host may emit parameters uniformly. */
			agent_log("cell line %d: param %s is not used by work type %s; ignored",
				  pp->line, pp->name, work_kind_name(cg->work));
			break;
		case WORK_PARAM_UNKNOWN:
			p->line = pp->line;
			return fail(p, "unknown param '%s' (known: spin_iters, burst_us, sleep_us)",
				    pp->name);
		case WORK_PARAM_OUT_OF_RANGE:
			p->line = pp->line;
			return fail(p, "param %s: %lld is out of range", pp->name, pp->value);
		}
	}
	p->block = NULL;
	return 0;
}

/* `exec` and `shell` replace the workers, so a cell has at most one of them
 * and no cgroup block; the conflict is reported on whichever line comes
 * second. */
static int set_mode(struct parser *p, enum cell_mode mode, const char *directive)
{
	struct cell *c = p->cell;

	if (c->mode == mode)
		return fail(p, "duplicate '%s'", directive);
	if (c->mode != CELL_MODE_WORKERS)
		return fail(p, "'%s' cannot be combined with '%s' (line %d): a cell runs one command",
			    directive, cell_mode_directive(c->mode), p->mode_line);
	if (c->n_cgroups > 0)
		return fail(p, "'%s' cannot be combined with cgroup blocks (cgroup '%s' on line %d): "
			    "its command runs instead of workers",
			    directive, c->cgroups[0].name, p->first_cgroup_line);
	c->mode = mode;
	p->mode_line = p->line;
	return 0;
}

static int exec_directive(struct parser *p, const char *value)
{
	struct cell *c = p->cell;

	if (value[strspn(value, " \t")] == '\0')
		return fail(p, "exec: missing value");
	if (set_mode(p, CELL_MODE_EXEC, "exec"))
		return -1;
	c->exec_command = strdup(value);
	if (!c->exec_command)
		return fail(p, "out of memory");
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
static int rest_of_line_directive(struct parser *p, const char *directive, const char *value)
{
	struct cell *c = p->cell;

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
		return fail(p, "too many sched_arg lines (at most %d)", CELL_MAX_SCHED_ARGS);
	c->sched_args[c->n_sched_args] = strdup(value);
	if (!c->sched_args[c->n_sched_args])
		return fail(p, "out of memory");
	c->n_sched_args++;
	return 0;
}

static int directive(struct parser *p, char **f, int n)
{
	struct cell *c = p->cell;
	struct cell_cgroup *cg = p->block;
	const char *d = f[0];
	long long v;

	if (!p->seen_version && strcmp(d, "ktstr-cell") != 0)
		return fail(p, "the first line must be 'ktstr-cell 1', got '%s'", d);

	if (strcmp(d, "ktstr-cell") == 0) {
		if (p->seen_version)
			return fail(p, "duplicate 'ktstr-cell'");
		if (expect_fields(p, f, n, 2))
			return -1;
		if (!parse_integer(f[1], &v) || v != 1)
			return fail(p, "unsupported cell format version '%s' (this agent reads 1)", f[1]);
		p->seen_version = true;
		c->version = 1;
	} else if (strcmp(d, "scheduler") == 0) {
		if (need_top_level(p, d) || expect_fields(p, f, n, 2) || once(p, &c->has_scheduler, d))
			return -1;
		if (strlen(f[1]) >= sizeof(c->scheduler))
			return fail(p, "scheduler: path longer than %zu bytes", sizeof(c->scheduler) - 1);
		strcpy(c->scheduler, f[1]);
	} else if (strcmp(d, "sched_timeout_ms") == 0) {
		if (need_top_level(p, d) || expect_fields(p, f, n, 2) || once(p, &p->seen_timeout, d) ||
		    parse_ranged(p, d, f[1], 1, MAX_DURATION_MS, &v))
			return -1;
		c->sched_timeout_ms = (long)v;
	} else if (strcmp(d, "duration_ms") == 0) {
		if (need_top_level(p, d) || expect_fields(p, f, n, 2) || once(p, &p->seen_duration, d) ||
		    parse_ranged(p, d, f[1], 0, MAX_DURATION_MS, &v))
			return -1;
		c->duration_ms = (long)v;
	} else if (strcmp(d, "settle_ms") == 0) {
		if (need_top_level(p, d) || expect_fields(p, f, n, 2) || once(p, &p->seen_settle, d) ||
		    parse_ranged(p, d, f[1], 0, MAX_DURATION_MS, &v))
			return -1;
		c->settle_ms = (long)v;
	} else if (strcmp(d, "shell") == 0) {
		if (need_top_level(p, d) || expect_fields(p, f, n, 1) ||
		    set_mode(p, CELL_MODE_SHELL, d))
			return -1;
	} else if (strcmp(d, "term") == 0) {
		if (need_top_level(p, d) || expect_fields(p, f, n, 2) || once(p, &c->has_term, d))
			return -1;
		if (!valid_term(f[1]) || strlen(f[1]) >= sizeof(c->term))
			return fail(p, "term: invalid terminal type '%s' (want [A-Za-z0-9._+-]+, at most %zu characters)",
				    f[1], sizeof(c->term) - 1);
		strcpy(c->term, f[1]);
		p->term_line = p->line;
	} else if (strcmp(d, "cgroup") == 0) {
		if (need_top_level(p, d) || expect_fields(p, f, n, 2))
			return -1;
		if (c->mode != CELL_MODE_WORKERS)
			return fail(p, "cgroup blocks cannot be combined with '%s' (line %d): "
				    "its command runs instead of workers",
				    cell_mode_directive(c->mode), p->mode_line);
		if (!valid_cgroup_name(f[1]) || strlen(f[1]) >= CELL_NAME_MAX)
			return fail(p, "cgroup: invalid name '%s' (want [A-Za-z0-9_-]+, at most %d characters)",
				    f[1], CELL_NAME_MAX - 1);
		for (int i = 0; i < c->n_cgroups; i++)
			if (strcmp(c->cgroups[i].name, f[1]) == 0)
				return fail(p, "duplicate cgroup '%s'", f[1]);
		if (c->n_cgroups >= CELL_MAX_CGROUPS)
			return fail(p, "too many cgroups (at most %d)", CELL_MAX_CGROUPS);
		if (c->n_cgroups == 0)
			p->first_cgroup_line = p->line;
		p->block = &c->cgroups[c->n_cgroups++];
		memset(p->block, 0, sizeof(*p->block));
		strcpy(p->block->name, f[1]);
		p->block_line = p->line;
		p->block_has_work = p->block_has_workers = false;
		p->n_params = 0;
	} else if (strcmp(d, "cpuset") == 0) {
		struct cpu_mask mask;

		if (need_block(p, d) || expect_fields(p, f, n, 2) || once(p, &cg->has_cpuset, d))
			return -1;
		if (strlen(f[1]) >= sizeof(cg->cpuset) || cpulist_parse(f[1], &mask) != 0)
			return fail(p, "cpuset: '%s' is not a cpulist like 0-3,6 (CPUs below %d)",
				    f[1], CPU_MAX);
		strcpy(cg->cpuset, f[1]);
	} else if (strcmp(d, "workers") == 0) {
		if (need_block(p, d) || expect_fields(p, f, n, 2) || once(p, &p->block_has_workers, d) ||
		    parse_ranged(p, d, f[1], 1, CELL_MAX_WORKERS, &v))
			return -1;
		cg->workers = (int)v;
		if (cell_total_workers(c) > CELL_MAX_WORKERS)
			return fail(p, "more than %d workers in the cell", CELL_MAX_WORKERS);
	} else if (strcmp(d, "work") == 0) {
		int kind;

		if (need_block(p, d) || expect_fields(p, f, n, 2) || once(p, &p->block_has_work, d))
			return -1;
		kind = work_kind_from_name(f[1]);
		if (kind < 0)
			return fail(p, "work: unknown work type '%s' (one of: %s)", f[1], work_kind_all_names());
		cg->work = (enum work_kind)kind;
	} else if (strcmp(d, "param") == 0) {
		struct pending_param *pp;

		if (need_block(p, d) || expect_fields(p, f, n, 3))
			return -1;
		if (strlen(f[1]) >= sizeof(pp->name))
			return fail(p, "param: name '%s' is too long", f[1]);
		if (!parse_integer(f[2], &v))
			return fail(p, "param %s: '%s' is not an integer", f[1], f[2]);
		for (int i = 0; i < p->n_params; i++)
			if (strcmp(p->params[i].name, f[1]) == 0)
				return fail(p, "duplicate param '%s'", f[1]);
		if (p->n_params >= MAX_PARAMS_PER_CGROUP)
			return fail(p, "too many param lines");
		pp = &p->params[p->n_params++];
		pp->line = p->line;
		strcpy(pp->name, f[1]);
		pp->value = v;
	} else if (strcmp(d, "comm") == 0) {
		if (need_block(p, d) || expect_fields(p, f, n, 2) || once(p, &cg->has_comm, d))
			return -1;
		if (strlen(f[1]) >= CELL_COMM_MAX)
			return fail(p, "comm: '%s' is longer than %d characters (the kernel's TASK_COMM_LEN)",
				    f[1], CELL_COMM_MAX - 1);
		strcpy(cg->comm, f[1]);
	} else if (strcmp(d, "nice") == 0) {
		if (need_block(p, d) || expect_fields(p, f, n, 2) || once(p, &cg->has_nice, d) ||
		    parse_ranged(p, d, f[1], -20, 19, &v))
			return -1;
		cg->nice = (int)v;
	} else if (strcmp(d, "end") == 0) {
		if (need_block(p, d) || expect_fields(p, f, n, 1))
			return -1;
		return end_block(p);
	} else {
		return fail(p, "unknown directive '%s'", d);
	}
	return 0;
}

static int parse_line(struct parser *p, char *line)
{
	char *fields[MAX_FIELDS + 1];
	char *s = line, *space;
	int n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#')
		return 0;

	/* sched_arg, log and exec take the rest of the line verbatim (a shell
	 * command line may well contain " #"). */
	space = strchr(s, ' ');
	if (space && p->seen_version &&
	    (strncmp(s, "sched_arg ", 10) == 0 || strncmp(s, "log ", 4) == 0 ||
	     strncmp(s, "exec ", 5) == 0)) {
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
			return fail(p, "too many fields");
		fields[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
	if (strcmp(fields[0], "sched_arg") == 0 || strcmp(fields[0], "log") == 0 ||
	    strcmp(fields[0], "exec") == 0) {
		if (!p->seen_version)
			return fail(p, "the first line must be 'ktstr-cell 1', got '%s'", fields[0]);
		return fail(p, "%s: missing value", fields[0]);
	}
	return directive(p, fields, n);
}

int cell_parse(const char *text, size_t len, struct cell *cell, char *err, size_t err_size)
{
	struct parser p = { .cell = cell, .err = err, .err_size = err_size };
	char line[MAX_LINE];
	size_t pos = 0;

	memset(cell, 0, sizeof(*cell));
	cell->sched_timeout_ms = CELL_DEFAULT_SCHED_TIMEOUT_MS;
	err[0] = '\0';

	while (pos < len) {
		size_t end = pos, n;

		while (end < len && text[end] != '\n')
			end++;
		n = end - pos;
		p.line++;
		if (n >= sizeof(line)) {
			fail(&p, "line longer than %zu bytes", sizeof(line) - 1);
			goto bad;
		}
		memcpy(line, text + pos, n);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		line[n] = '\0';
		if (memchr(line, '\0', n)) {
			fail(&p, "NUL byte in line");
			goto bad;
		}
		if (parse_line(&p, line) != 0)
			goto bad;
		pos = end + 1;
	}

	if (!p.seen_version) {
		p.line = 0;
		fail(&p, "empty cell: the first line must be 'ktstr-cell 1'");
		goto bad;
	}
	if (p.block) {
		p.line = p.block_line;
		fail(&p, "cgroup '%s' is never closed with 'end'", p.block->name);
		goto bad;
	}
	p.line = 0;
	/* Only workers need a hold; a command runs as long as it runs. */
	if (!p.seen_duration && cell->mode == CELL_MODE_WORKERS) {
		fail(&p, "missing 'duration_ms' (required unless the cell has 'exec' or 'shell')");
		goto bad;
	}
	if (cell->has_term && cell->mode != CELL_MODE_SHELL) {
		p.line = p.term_line;
		fail(&p, "'term' without 'shell': only the interactive shell has a terminal");
		goto bad;
	}
	if (cell->n_sched_args > 0 && !cell->has_scheduler) {
		fail(&p, "sched_arg given without a 'scheduler' line");
		goto bad;
	}
	return 0;
bad:
	cell_free(cell);
	return -1;
}

void cell_free(struct cell *cell)
{
	for (int i = 0; i < cell->n_sched_args; i++)
		free(cell->sched_args[i]);
	cell->n_sched_args = 0;
	free(cell->exec_command);
	cell->exec_command = NULL;
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

int cell_total_workers(const struct cell *cell)
{
	int total = 0;

	for (int i = 0; i < cell->n_cgroups; i++)
		total += cell->cgroups[i].workers;
	return total;
}
