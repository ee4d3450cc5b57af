/* Host-side check of the work types (make -C native/guest check-work).
 *
 * Part 1 compares the registry with docs/work-types.md: every type's
 * parameters and defaults (its table row), every parameter's range (the
 * "Parameter ranges" table), names round-tripping, unknown and
 * out-of-range parameters refused.
 *
 * Part 2 runs every type on this machine in both clone modes, playing the
 * worker runtime in miniature: a batch of 2-4 workers (forked processes, or
 * threads of one forked process), ~100 ms of iterations, stop + release.
 * It fails when a worker that must progress did not, when release left a
 * worker blocked (a watchdog turns a hang into a failure), or when
 * work_batch_destroy left files, cgroups or fds behind. Needs root. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "futex.h"
#include "work/host_env.h"
#include "work_types.h"

static int failures;

#define CHECK(cond, ...)                                   \
	do {                                               \
		if (!(cond)) {                             \
			failures++;                        \
			printf("FAIL %s:%d: ", __FILE__, __LINE__); \
			printf(__VA_ARGS__);               \
			printf("\n");                      \
		}                                          \
	} while (0)

/* ---- part 1: the parameter table against the document ---- */

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = calloc(1, (size_t)len + 1);
	if (text && fread(text, 1, (size_t)len, f) != (size_t)len) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

/* The n-th '|'-separated cell of a table row, trimmed, into out. */
static bool row_cell(const char *line, int n, char *out, size_t size)
{
	const char *p = line;

	for (int i = 0; i <= n; i++) {
		p = strchr(p, '|');
		if (!p)
			return false;
		p++;
	}
	{
		const char *end = strchr(p, '|');
		size_t len;

		if (!end)
			return false;
		while (*p == ' ')
			p++;
		len = (size_t)(end - p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len >= size)
			len = size - 1;
		memcpy(out, p, len);
		out[len] = '\0';
	}
	return true;
}

/* "`name` ..." -> name. */
static bool backticked(const char *cell, char *out, size_t size)
{
	const char *open = strchr(cell, '`'), *close;

	if (!open || !(close = strchr(open + 1, '`')) || (size_t)(close - open - 1) >= size)
		return false;
	memcpy(out, open + 1, (size_t)(close - open - 1));
	out[close - open - 1] = '\0';
	return true;
}

static void check_type_row(const char *line, bool seen[])
{
	char cell[1024], name[64], param[64];
	struct work_params defaults;
	const char *p;
	int kind, i = 0;

	if (!row_cell(line, 0, cell, sizeof(cell)) || !backticked(cell, name, sizeof(name)))
		return;
	kind = work_kind_from_name(name);
	CHECK(kind >= 0, "docs name a work type %s the registry does not know", name);
	if (kind < 0)
		return;
	seen[kind] = true;
	work_params_default(kind, &defaults);
	CHECK(row_cell(line, 2, cell, sizeof(cell)), "row of %s has no params cell", name);
	/* Each "`param` [default]" in order. */
	for (p = cell; (p = strchr(p, '`')) != NULL;) {
		const char *close = strchr(p + 1, '`');
		long long def;

		if (!close)
			break;
		snprintf(param, sizeof(param), "%.*s", (int)(close - p - 1), p + 1);
		p = close + 1;
		if (sscanf(p, " [%lld]", &def) != 1)
			continue; /* e.g. custom's "`command` directive" */
		CHECK(work_param_name(kind, i) && strcmp(work_param_name(kind, i), param) == 0,
		      "%s: parameter %d is %s in the docs, %s in the registry", name, i, param,
		      work_param_name(kind, i) ? work_param_name(kind, i) : "(none)");
		CHECK(defaults.values[i] == def, "%s.%s: default %lld in the docs, %lld in the registry",
		      name, param, def, defaults.values[i]);
		i++;
	}
	CHECK(work_param_name(kind, i) == NULL, "%s: the registry has more parameters than the docs",
	      name);
}

static void check_range_row(const char *line, int *rows)
{
	char cell[256], name[64];
	long long min, max, doc_min, doc_max;

	if (!row_cell(line, 0, cell, sizeof(cell)) || !backticked(cell, name, sizeof(name)))
		return;
	/* Columns: `name` | host builders' range | guest parser's range ("MIN to MAX"). The
	 * guest's column is the one this registry implements; the host's is checked by
	 * test/docs/work-types.test.ts against the builders. */
	if (!row_cell(line, 2, cell, sizeof(cell)) ||
	    sscanf(cell, "%lld to %lld", &doc_min, &doc_max) != 2) {
		CHECK(false, "range row of %s is not `name` | host range | MIN to MAX", name);
		return;
	}
	(*rows)++;
	CHECK(work_param_range(name, &min, &max), "docs give a range for unknown parameter %s", name);
	CHECK(min == doc_min && max == doc_max, "%s: range %lld..%lld in the docs, %lld..%lld in code",
	      name, doc_min, doc_max, min, max);
}

static void check_param_table(const char *doc_path)
{
	bool seen[WORK_KIND_COUNT] = { false };
	char *text = read_text(doc_path);
	bool in_ranges = false;
	int range_rows = 0, distinct = 0;
	const char *names[WORK_KIND_COUNT * WORK_MAX_PARAMS];
	struct work_params params;
	long long min, max;

	CHECK(text != NULL, "read %s: %s", doc_path, strerror(errno));
	if (!text)
		return;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "#", 1) == 0)
			in_ranges = strstr(line, "Parameter ranges") != NULL;
		if (strncmp(line, "| `", 3) != 0)
			continue;
		if (in_ranges)
			check_range_row(line, &range_rows);
		else
			check_type_row(line, seen);
	}
	free(text);
	for (int k = 0; k < WORK_KIND_COUNT; k++) {
		CHECK(seen[k], "work type %s has no row in the docs", work_kind_name(k));
		CHECK(work_kind_from_name(work_kind_name(k)) == k, "%s does not round-trip",
		      work_kind_name(k));
		CHECK(strstr(work_kind_all_names(), work_kind_name(k)) != NULL,
		      "%s missing from work_kind_all_names", work_kind_name(k));
		for (int i = 0; work_param_name(k, i); i++) {
			bool dup = false;

			for (int j = 0; j < distinct; j++)
				dup = dup || strcmp(names[j], work_param_name(k, i)) == 0;
			if (!dup)
				names[distinct++] = work_param_name(k, i);
			CHECK(work_param_range(work_param_name(k, i), &min, &max),
			      "%s.%s has no range", work_kind_name(k), work_param_name(k, i));
		}
	}
	CHECK(range_rows == distinct, "docs list %d parameter ranges, the types use %d", range_rows,
	      distinct);
	CHECK(work_kind_from_name("no_such_type") == -1, "unknown type accepted");
	work_params_default(WORK_SPIN_WAIT, &params);
	CHECK(work_param_set(WORK_SPIN_WAIT, &params, "no_such_param", 1) == WORK_PARAM_UNKNOWN,
	      "unknown parameter accepted");
	CHECK(work_param_set(WORK_SPIN_WAIT, &params, "burst_us", 5) == WORK_PARAM_UNUSED,
	      "burst_us not reported unused by spin_wait");
	CHECK(params.values[0] == 1024, "an unused parameter changed spin_iters");
	CHECK(work_param_set(WORK_SPIN_WAIT, &params, "spin_iters", 0) == WORK_PARAM_OUT_OF_RANGE,
	      "spin_iters 0 accepted");
	CHECK(work_param_set(WORK_SPIN_WAIT, &params, "spin_iters", 7) == WORK_PARAM_OK &&
		      params.values[0] == 7, "spin_iters 7 not set");
	work_params_default(WORK_SEQUENCE, &params);
	CHECK(work_param_set(WORK_SEQUENCE, &params, "io", 2) == WORK_PARAM_OUT_OF_RANGE,
	      "io 2 accepted");
	CHECK(work_param_set(WORK_SEQUENCE, &params, "io", 1) == WORK_PARAM_OK &&
		      params.values[3] == 1, "sequence io not the 4th parameter");
	printf("param table: %d types, %d parameters checked against %s\n", WORK_KIND_COUNT,
	       distinct, doc_path);
}

/* ---- part 2: running the types ---- */

struct hslot {
	_Alignas(CACHE_LINE) uint32_t stop;
	uint32_t ready;
	uint32_t done;
	int32_t init_err;
	uint64_t iterations;
	char note[128];
	struct worker_slot slot;
};

struct hshared {
	_Alignas(CACHE_LINE) uint32_t go;
	struct hslot slots[];
};

struct run_case {
	enum work_kind kind;
	const char *label;            /* variant shown in the output */
	int n;
	int duration_ms;
	const char *params[WORK_MAX_PARAMS]; /* "name=value" */
	const char *command;
	bool rt;                      /* pin to one CPU, shorter */
	unsigned may_stall;           /* bit i: worker i need not progress */
	/* Stop and release the second half of the batch first: they must end
	 * while the first half keeps running, undisturbed. */
	bool partial;
};

static struct work_batch *batch;
static struct hshared *shared;
static struct work_params case_params;
static const struct run_case *current;
static char cgroup_dir[512];

static void worker_body(int i)
{
	struct hslot *h = &shared->slots[i];
	struct work_ctx ctx = {
		.kind = current->kind,
		.params = &case_params,
		.batch = batch,
		.index = i,
		.n = current->n,
		.stop = &h->stop,
		.self = &h->slot,
	};
	int rc = work_worker_init(&ctx);

	memcpy(h->note, ctx.note, sizeof(h->note));
	h->init_err = rc;
	__atomic_store_n(&h->ready, 1, __ATOMIC_RELEASE);
	if (rc == 0) {
		while (!__atomic_load_n(&shared->go, __ATOMIC_ACQUIRE))
			futex_wait(&shared->go, 0);
		/* The runtime's loop without its bookkeeping. */
		while (!__atomic_load_n(&h->stop, __ATOMIC_RELAXED)) {
			if (!work_iteration(&ctx))
				break;
			__atomic_store_n(&h->iterations, h->iterations + 1, __ATOMIC_RELAXED);
		}
		work_worker_fini(&ctx);
		memcpy(h->note, ctx.note, sizeof(h->note));
	}
	__atomic_store_n(&h->done, 1, __ATOMIC_RELEASE);
}

static void *thread_body(void *arg)
{
	worker_body((int)(intptr_t)arg);
	return NULL;
}

/* What the runtime does before a worker runs: its cgroup and its CPUs. */
static void place_self(void)
{
	if (current->kind == WORK_CGROUP_CHURN) {
		char procs[600];
		FILE *f;

		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup_dir);
		f = fopen(procs, "w");
		if (f) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		}
	}
	if (current->rt) {
		cpu_set_t one;
		int cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);

		/* RT spinners get one CPU, so the others stay usable. */
		CPU_ZERO(&one);
		CPU_SET(cpus - 1, &one);
		sched_setaffinity(0, sizeof(one), &one);
	}
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* Entries of dir other than . and .. (and other than `except`). */
static int dir_entries(const char *dir, const char *except, char *first, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || (except && strcmp(e->d_name, except) == 0))
			continue;
		/* A cgroup directory's own files are not leftovers. */
		if (e->d_type != DT_DIR && except)
			continue;
		if (n++ == 0)
			snprintf(first, size, "%s", e->d_name);
	}
	if (d)
		closedir(d);
	return n;
}

static uint64_t ms_since(uint64_t t0)
{
	return (clock_now_ns() - t0) / 1000000;
}

/* Whether every worker that must progress has, and a type that records
 * wake latencies has recorded one. */
static bool progressed(const struct run_case *c)
{
	uint64_t samples = 0;

	for (int i = 0; i < c->n; i++) {
		if (!(c->may_stall >> i & 1) &&
		    __atomic_load_n(&shared->slots[i].iterations, __ATOMIC_RELAXED) == 0)
			return false;
		samples += __atomic_load_n(&shared->slots[i].slot.wake_latency.count,
					   __ATOMIC_RELAXED);
	}
	return !work_kind_records_latency(c->kind) || samples > 0;
}

/* The case's duration; on a loaded host (the machine is shared) up to 2 s
 * more until the workers show progress, so that only a real stall fails. */
static void wait_for_progress(const struct run_case *c)
{
	uint64_t t0 = clock_now_ns();

	usleep((useconds_t)c->duration_ms * 1000);
	while (!progressed(c) && ms_since(t0) < (uint64_t)c->duration_ms + 2000)
		usleep(2000);
}

static bool stop_second_half(const struct run_case *c, bool threads)
{
	int half = c->n / 2;
	uint64_t before[8], t0;
	bool ok = true;

	for (int i = half; i < c->n; i++)
		__atomic_store_n(&shared->slots[i].stop, 1, __ATOMIC_SEQ_CST);
	t0 = clock_now_ns();
	work_batch_release(batch);
	for (int i = half; i < c->n; i++)
		while (!__atomic_load_n(&shared->slots[i].done, __ATOMIC_ACQUIRE) && ms_since(t0) < 1000)
			usleep(500);
	for (int i = 0; i < c->n; i++)
		before[i] = __atomic_load_n(&shared->slots[i].iterations, __ATOMIC_RELAXED);
	/* The running half must go on: give a loaded host up to a second to
	 * show one more iteration of each. */
	t0 = clock_now_ns();
	for (int i = 0; i < half; i++)
		while (!(c->may_stall >> i & 1) && ms_since(t0) < 1000 &&
		       __atomic_load_n(&shared->slots[i].iterations, __ATOMIC_RELAXED) == before[i])
			usleep(1000);
	for (int i = 0; i < c->n; i++) {
		struct hslot *h = &shared->slots[i];
		bool done = __atomic_load_n(&h->done, __ATOMIC_ACQUIRE);
		uint64_t now = __atomic_load_n(&h->iterations, __ATOMIC_RELAXED);

		if (i >= half && !done) {
			ok = false;
			CHECK(false, "%s (%s): stopped worker %d still running 1 s after release",
			      c->label, threads ? "thread" : "fork", i);
		}
		if (i < half && done) {
			ok = false;
			CHECK(false, "%s (%s): running worker %d ended by another's release", c->label,
			      threads ? "thread" : "fork", i);
		}
		if (i < half && !(c->may_stall >> i & 1) && now == before[i]) {
			ok = false;
			CHECK(false, "%s (%s): running worker %d stalled after another's release",
			      c->label, threads ? "thread" : "fork", i);
		}
	}
	return ok;
}

static void run(const struct run_case *c, bool threads, const char *io_dir, const char *cg_parent)
{
	struct work_env env;
	char err[256], leftover[256], notes[512] = "";
	pid_t pids[8];
	int n_pids = 0, fds_before, rc;
	uint64_t t_release, release_ms;
	bool hung = false, ok = true;
	size_t map_len = sizeof(struct hshared) + (size_t)c->n * sizeof(struct hslot);

	current = c;
	work_params_default(c->kind, &case_params);
	for (int i = 0; i < WORK_MAX_PARAMS && c->params[i]; i++) {
		char name[64];
		long long value;

		sscanf(c->params[i], "%63[^=]=%lld", name, &value);
		rc = work_param_set(c->kind, &case_params, name, value);
		CHECK(rc == WORK_PARAM_OK, "%s: set %s: %d", work_kind_name(c->kind), c->params[i], rc);
	}
	if (c->command)
		snprintf(case_params.command, sizeof(case_params.command), "%s", c->command);
	if (work_host_env(&env) != 0) {
		CHECK(false, "read this host's topology");
		return;
	}
	env.cgroup = "wh";
	env.cgroup_dir = cgroup_dir;
	env.threads = threads;
	if (c->rt) {
		memset(&env.allowed, 0, sizeof(env.allowed));
		cpu_mask_set(&env.allowed, (int)sysconf(_SC_NPROCESSORS_ONLN) - 1);
	}
	fds_before = count_fds();
	shared = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	batch = work_batch_create(c->kind, &case_params, c->n, &env, err, sizeof(err));
	if (!batch) {
		CHECK(false, "%s: work_batch_create: %s", work_kind_name(c->kind), err);
		munmap(shared, map_len);
		work_host_env_free(&env);
		return;
	}
	if (!threads) {
		for (int i = 0; i < c->n; i++) {
			pid_t pid = fork();

			if (pid == 0) {
				place_self();
				worker_body(i);
				_exit(0);
			}
			pids[n_pids++] = pid;
		}
	} else {
		pid_t pid = fork();

		if (pid == 0) {
			pthread_t t[8];

			place_self();
			for (int i = 0; i < c->n; i++)
				pthread_create(&t[i], NULL, thread_body, (void *)(intptr_t)i);
			for (int i = 0; i < c->n; i++)
				pthread_join(t[i], NULL);
			_exit(0);
		}
		pids[n_pids++] = pid;
	}
	for (int i = 0; i < c->n; i++)
		while (!__atomic_load_n(&shared->slots[i].ready, __ATOMIC_ACQUIRE))
			usleep(1000);
	__atomic_store_n(&shared->go, 1, __ATOMIC_RELEASE);
	futex_wake_all(&shared->go);
	wait_for_progress(c);
	if (c->partial && !stop_second_half(c, threads))
		ok = false;
	for (int i = 0; i < c->n; i++)
		__atomic_store_n(&shared->slots[i].stop, 1, __ATOMIC_SEQ_CST);
	t_release = clock_now_ns();
	work_batch_release(batch);
	/* Watchdog: a worker release did not unblock fails the run. */
	for (int i = 0; i < n_pids; i++) {
		for (;;) {
			pid_t got = waitpid(pids[i], NULL, WNOHANG);

			if (got == pids[i] || (got < 0 && errno != EINTR))
				break;
			if (ms_since(t_release) > 3000) {
				hung = true;
				kill(pids[i], SIGKILL);
				waitpid(pids[i], NULL, 0);
				break;
			}
			usleep(500);
		}
	}
	release_ms = ms_since(t_release);
	work_batch_destroy(batch);
	batch = NULL;

	if (hung) {
		ok = false;
		CHECK(false, "%s%s (%s): workers still blocked 3 s after release",
		      work_kind_name(c->kind), c->label, threads ? "thread" : "fork");
	}
	/* A released sleeper wakes at once; only the wait slice (100 ms) may
	 * delay one that raced with the release, and a loaded host the exits. */
	if (!hung && release_ms > 1500) {
		ok = false;
		CHECK(false, "%s%s (%s): release took %llu ms", work_kind_name(c->kind), c->label,
		      threads ? "thread" : "fork", (unsigned long long)release_ms);
	}
	for (int i = 0; i < c->n; i++) {
		struct hslot *h = &shared->slots[i];

		if (h->init_err) {
			ok = false;
			CHECK(false, "%s%s (%s) worker %d: init %d: %s", work_kind_name(c->kind), c->label,
			      threads ? "thread" : "fork", i, h->init_err, h->note);
		}
		if (!(c->may_stall >> i & 1) && h->iterations == 0) {
			ok = false;
			CHECK(false, "%s%s (%s) worker %d made no progress", work_kind_name(c->kind),
			      c->label, threads ? "thread" : "fork", i);
		}
		if (h->note[0] && !strstr(notes, h->note))
			snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes), " [%s]", h->note);
	}
	{
		uint64_t samples = 0;

		for (int i = 0; i < c->n; i++)
			samples += shared->slots[i].slot.wake_latency.count;
		/* Types that record must have recorded (each has a waiting worker
		 * in these cases); the others must leave the histogram empty. */
		if (work_kind_records_latency(c->kind) != (samples > 0)) {
			ok = false;
			CHECK(false, "%s%s (%s): %llu wake-latency samples, records_latency=%d",
			      work_kind_name(c->kind), c->label, threads ? "thread" : "fork",
			      (unsigned long long)samples, work_kind_records_latency(c->kind));
		}
	}
	if (dir_entries(io_dir, NULL, leftover, sizeof(leftover)) != 0) {
		ok = false;
		CHECK(false, "%s: left %s in the I/O directory", work_kind_name(c->kind), leftover);
	}
	if (cg_parent && dir_entries(cg_parent, "a", leftover, sizeof(leftover)) != 0) {
		ok = false;
		CHECK(false, "%s: left cgroup %s", work_kind_name(c->kind), leftover);
	}
	if (count_fds() != fds_before) {
		ok = false;
		CHECK(false, "%s: %d fds before, %d after destroy", work_kind_name(c->kind), fds_before,
		      count_fds());
	}
	printf("%s %-28s %-6s iterations", ok ? "ok  " : "FAIL", c->label[0] ? c->label : work_kind_name(c->kind),
	       threads ? "thread" : "fork");
	for (int i = 0; i < c->n; i++)
		printf(" %llu", (unsigned long long)shared->slots[i].iterations);
	printf("  release %llu ms%s\n", (unsigned long long)release_ms, notes);
	munmap(shared, map_len);
	work_host_env_free(&env);
}

/* The cases: every type with defaults unless short runs need smaller sizes. */
#define MS 100
#define RT_MS 50
static const struct run_case cases[] = {
	{ WORK_SPIN_WAIT, "", 2, MS, { 0 }, 0, false, 0, false },
	{ WORK_YIELD_HEAVY, "", 2, MS, { 0 }, 0, false, 0, false },
	{ WORK_MIXED, "", 2, MS, { 0 }, 0, false, 0, false },
	{ WORK_ALU_HOT, "", 2, MS, { 0 }, 0, false, 0, false },
	{ WORK_SMT_SIBLING_SPIN, "", 2, MS, { 0 }, 0, false, 0, false },
	{ WORK_IPC_VARIANCE, "", 2, MS, { "working_set_kb=1024" }, 0, false, 0, false },
	{ WORK_IO_SYNC_WRITE, "", 2, MS, { 0 }, 0, false, 0, false },
	{ WORK_IO_RAND_READ, "", 2, MS, { "file_kb=1024" }, 0, false, 0, false },
	{ WORK_IO_CONVOY, "", 2, MS, { "file_kb=1024", "sync_every=4" }, 0, false, 0, false },
	{ WORK_BURSTY, "", 2, MS, { 0 }, 0, false, 0, false },
	{ WORK_IDLE_CHURN, "", 2, MS, { 0 }, 0, false, 0, false },
	{ WORK_PIPE_IO, "", 3, MS, { 0 }, 0, false, 0, false },
	{ WORK_FUTEX_PING_PONG, "", 3, MS, { 0 }, 0, false, 0, false },
	{ WORK_FUTEX_FAN_OUT, "", 4, MS, { "fan_out=2" }, 0, false, 0, false },
	{ WORK_CACHE_PRESSURE, "", 2, MS, { 0 }, 0, false, 0, false },
	{ WORK_CACHE_YIELD, "", 2, MS, { 0 }, 0, false, 0, false },
	{ WORK_CACHE_PIPE, "", 2, MS, { 0 }, 0, false, 0, false },
	{ WORK_SEQUENCE, "", 2, MS, { "spin_us=500", "sleep_us=500" }, 0, false, 0, false },
	{ WORK_SEQUENCE, "sequence io=1", 2, MS, { "spin_us=500", "sleep_us=500", "io=1" }, 0, false, 0, false },
	{ WORK_FORK_EXIT, "", 2, MS, { 0 }, 0, false, 0, false },
	{ WORK_NICE_SWEEP, "", 2, MS, { 0 }, 0, false, 0, false },
	{ WORK_AFFINITY_CHURN, "", 2, MS, { 0 }, 0, false, 0, false },
	{ WORK_POLICY_CHURN, "", 2, RT_MS, { 0 }, 0, true, 0, false },
	{ WORK_NUMA_MIGRATION_CHURN, "", 2, MS, { 0 }, 0, false, 0, false },
	{ WORK_CGROUP_CHURN, "", 2, MS, { 0 }, 0, false, 0, false },
	{ WORK_FAN_OUT_COMPUTE, "", 4, MS, { "fan_out=3", "matrix_n=16" }, 0, false, 0, false },
	{ WORK_ASYMMETRIC_WAKER, "", 4, MS, { 0 }, 0, false, 0, false },
	{ WORK_WAKE_CHAIN, "", 3, MS, { 0 }, 0, false, 0, false },
	{ WORK_WAKE_CHAIN, "wake_chain futex=1", 3, MS, { "futex=1" }, 0, false, 0, false },
	{ WORK_EPOLL_STORM, "", 3, MS, { 0 }, 0, false, 0, false },
	{ WORK_THUNDERING_HERD, "", 4, MS, { 0 }, 0, false, 0, false },
	{ WORK_PAGE_FAULT_CHURN, "", 2, MS, { 0 }, 0, false, 0, false },
	{ WORK_NUMA_WORKING_SET_SWEEP, "", 2, MS, { "working_set_kb=1024" }, 0, false, 0, false },
	{ WORK_MUTEX_CONTENTION, "", 3, MS, { 0 }, 0, false, 0, false },
	/* On one CPU the middle tier starves the low one; whether high gets
	 * its lock in 50 ms is what the type is about, not guaranteed. */
	{ WORK_PRIORITY_INVERSION, "", 3, RT_MS, { 0 }, 0, true, 1u | 4u, false },
	{ WORK_PRIORITY_INVERSION, "priority_inversion pi=0", 3, RT_MS, { "pi=0" }, 0, true, 1u | 4u, false },
	{ WORK_PRODUCER_CONSUMER_IMBALANCE, "", 4, MS, { 0 }, 0, false, 0, false },
	{ WORK_SIGNAL_STORM, "", 2, MS, { 0 }, 0, false, 0, false },
	{ WORK_PREEMPT_STORM, "", 3, RT_MS, { 0 }, 0, true, 0, false },
	/* The normal workers are the ones meant to starve. */
	{ WORK_RT_STARVATION, "", 3, RT_MS, { 0 }, 0, true, 2u | 4u, false },
	/* A shell per iteration is slow on a loaded host: a longer run. */
	{ WORK_CUSTOM, "", 2, 4 * MS, { 0 }, "true", false, 0, false },
	/* A command longer than the run: release must kill it. */
	{ WORK_CUSTOM, "custom (killed at release)", 2, MS, { 0 }, "sleep 30", false, 3u, false },
	/* Stopping part of a batch (the `stop` op) releases only that part. */
	{ WORK_PIPE_IO, "pipe_io (partial stop)", 4, MS, { 0 }, 0, false, 0, true },
	{ WORK_FUTEX_PING_PONG, "futex_ping_pong (partial stop)", 4, MS, { 0 }, 0, false, 0, true },
	{ WORK_EPOLL_STORM, "epoll_storm (partial stop)", 4, MS, { 0 }, 0, false, 0, true },
	{ WORK_CUSTOM, "custom (partial stop)", 2, MS, { 0 }, "sleep 30", false, 3u, true },
};

/* The types ran above either way; say which of their effects this host
 * cannot show. */
static void report_topology_skips(void)
{
	struct work_env env;
	int nodes = 0, smt = 0;

	if (work_host_env(&env) != 0)
		return;
	for (int c = 0; c < env.n_cpus; c++) {
		if (env.cpu_node[c] + 1 > nodes)
			nodes = env.cpu_node[c] + 1;
		for (int s = 0; s < env.n_cpus; s++)
			smt += s != c && cpu_mask_test(&env.cpu_siblings[c], s);
	}
	if (nodes < 2)
		printf("SKIP numa_migration_churn, numa_working_set_sweep cross-node moves: "
		       "this host has one NUMA node (they ran on it)\n");
	if (smt == 0)
		printf("SKIP smt_sibling_spin pinning: this host has no SMT siblings (it ran "
		       "unpinned)\n");
	work_host_env_free(&env);
}

static const char *cgroup2_root(void)
{
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
		return "/sys/fs/cgroup";
	if (access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) == 0)
		return "/sys/fs/cgroup/unified";
	return NULL;
}

int main(int argc, char **argv)
{
	/* A tmpfs, like the guest's /ktstr/io. */
	char io_dir[] = "/dev/shm/ktstr-work-io-XXXXXX";
	char cg_parent[300] = "";
	const char *root = cgroup2_root();
	const char *only = getenv("WORK_ONLY"); /* run one type, for debugging */
	bool covered[WORK_KIND_COUNT] = { false };

	if (argc != 2) {
		fprintf(stderr, "usage: %s docs/work-types.md\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	check_param_table(argv[1]);

	if (!mkdtemp(io_dir)) {
		perror("mkdtemp");
		return 1;
	}
	work_set_io_root(io_dir);
	if (root) {
		snprintf(cg_parent, sizeof(cg_parent), "%s/ktstr-work-harness-%d", root, (int)getpid());
		snprintf(cgroup_dir, sizeof(cgroup_dir), "%s/a", cg_parent);
		if (mkdir(cg_parent, 0755) != 0 || mkdir(cgroup_dir, 0755) != 0) {
			printf("note: cannot make test cgroups under %s: %s\n", root, strerror(errno));
			cg_parent[0] = '\0';
		}
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct run_case *c = &cases[i];

		covered[c->kind] = true;
		if (only && strcmp(only, work_kind_name(c->kind)) != 0)
			continue;
		if (c->kind == WORK_CGROUP_CHURN && !cg_parent[0]) {
			printf("SKIP cgroup_churn: no writable cgroup2 hierarchy on this host\n");
			continue;
		}
		for (int threads = 0; threads <= 1; threads++)
			run(c, threads, io_dir, cg_parent[0] ? cg_parent : NULL);
	}
	for (int k = 0; k < WORK_KIND_COUNT; k++)
		CHECK(covered[k], "no run case for %s", work_kind_name(k));
	report_topology_skips();
	CHECK(rmdir(io_dir) == 0, "remove %s: %s", io_dir, strerror(errno));
	if (cg_parent[0]) {
		/* An emptied cgroup can stay busy for a moment after its tasks
		 * were reaped. */
		for (int tries = 0; rmdir(cgroup_dir) != 0 && errno == EBUSY && tries < 100; tries++)
			usleep(10000);
		CHECK(rmdir(cg_parent) == 0, "remove %s: %s", cg_parent, strerror(errno));
	}
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "ok", failures);
	return failures ? 1 : 0;
}
