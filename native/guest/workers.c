#include "workers.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cgroup.h"
#include "children.h"
#include "clock.h"
#include "cpu_layout.h"
#include "futex.h"
#include "iteration_end.h"
#include "log.h"
#include "phases.h"
#include "work_types.h"
#include "worker_main.h"
#include "worker_shared.h"

/* How long a stopped worker may take to finish its iteration and park. */
#define STOP_GRACE_MS 1000
/* How long a new batch may take to appear (fork, threads) and to init. */
#define APPEAR_TIMEOUT_MS 10000
#define READY_TIMEOUT_MS 20000

struct worker {
	int def;           /* its definition */
	int loc;           /* the cgroup (definition) it is in now */
	int index;         /* within its definition, across batches */
	int batch;         /* into workers.batches */
	int in_batch;
	pid_t pid;
	int started_step;
	int stopped_step;
	bool running;
	/* Final, once stopped: */
	struct proc_sched_stats stats;
	uint64_t max_gap_ns;
	bool died_early;
	int wait_status;
	bool unreaped;     /* stopped, its process left for workers_free() */
};

struct batch {
	int def;
	int number;        /* within its definition */
	int first;         /* its first worker (and slot) */
	int n;
	int n_running;
	enum cell_clone clone;
	pid_t pid;         /* clone thread: the process holding the threads */
	bool unreaped;     /* all stopped, its process left for workers_free() */
	struct work_batch *work;
	struct worker_plan *plans;
};

struct workers {
	const struct cell *cell;
	struct cpu_layout *layout;
	void *map;
	size_t map_len;
	struct worker_shared_header *header;
	struct worker_slot *slots;
	struct worker *w;
	int n;
	struct batch *batches;
	int n_batches;
	int next_index[CELL_MAX_CGROUPS];
	int next_batch[CELL_MAX_CGROUPS];
	int step;
};

/* The runtime workers_prepare() made, not yet given to a cell. */
static struct workers *prepared;

static struct workers *workers_alloc(void)
{
	struct workers *w = calloc(1, sizeof(*w));
	long page = sysconf(_SC_PAGESIZE);
	size_t header_len = (sizeof(struct worker_shared_header) + CACHE_LINE - 1) &
			    ~(size_t)(CACHE_LINE - 1);

	if (!w)
		return NULL;
	w->layout = calloc(1, sizeof(*w->layout));
	w->w = calloc(CELL_MAX_RUN_WORKERS, sizeof(*w->w));
	w->batches = calloc(CELL_MAX_RUN_WORKERS, sizeof(*w->batches));
	/* Room for every worker of the run: untouched slots cost no memory. */
	w->map_len = (header_len + CELL_MAX_RUN_WORKERS * sizeof(struct worker_slot) +
		      (size_t)page - 1) & ~((size_t)page - 1);
	w->map = mmap(NULL, w->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (w->map == MAP_FAILED)
		w->map = NULL;
	if (!w->layout || !w->w || !w->batches || !w->map) {
		workers_free(w);
		return NULL;
	}
	w->header = w->map;
	w->slots = (struct worker_slot *)((char *)w->map + header_len);
	*w->layout = *cpu_layout_once();
	return w;
}

void workers_prepare(void)
{
	if (!prepared)
		prepared = workers_alloc();
}

struct workers *workers_create(const struct cell *cell)
{
	struct workers *w = prepared ? prepared : workers_alloc();

	prepared = NULL;
	if (w)
		w->cell = cell;
	return w;
}

void workers_step_begin(struct workers *w, int step)
{
	w->step = step;
}

void workers_step_window_open(struct workers *w)
{
	/* After the ops: every cpuset, affinity and cgroup write they made
	 * has returned, so the kernel has already moved each worker onto the
	 * CPUs it now allows (iteration_end.c relies on this order). */
	__atomic_store_n(&w->header->step_start_ns, clock_now_ns(), __ATOMIC_RELAXED);
	__atomic_add_fetch(&w->header->step_epoch, 1, __ATOMIC_RELEASE);
}

static void open_gate(uint32_t *word)
{
	__atomic_store_n(word, 1, __ATOMIC_RELEASE);
	futex_wake_all(word);
}

/* Never signal a pid that was already reaped: it may be reused. */
static void kill_and_reap(pid_t pid)
{
	if (pid <= 0)
		return;
	if (!children_exited(pid, NULL)) {
		kill(pid, SIGKILL);
		if (!children_wait(pid, 2000, NULL))
			agent_log("worker pid %d survived SIGKILL for 2 s", (int)pid);
	}
	children_forget(pid);
}

static bool gone(const struct worker *wk)
{
	return wk->pid > 0 && children_exited(wk->pid, NULL);
}

static uint64_t open_gap(const struct worker_slot *slot, uint64_t since, uint64_t now)
{
	uint64_t last = __atomic_load_n(&slot->last_end_ns, __ATOMIC_ACQUIRE);

	if (last == 0)
		last = slot->start_ns;
	if (since > last)
		last = since;
	return now > last ? now - last : 0;
}

/* Mark stopped the batch's workers whose slots are listed (stop flags
 * already raised), read their statistics, reap what no longer runs (or,
 * without reap, leave it for workers_free()). */
static void finalize(struct workers *w, const int *which, int count, uint64_t stop_ns,
		     bool by_op, bool reap)
{
	for (int k = 0; k < count; k++) {
		struct worker *wk = &w->w[which[k]];
		struct worker_slot *slot = &w->slots[which[k]];
		struct batch *b = &w->batches[wk->batch];
		uint64_t open = slot->start_ns ? open_gap(slot, 0, stop_ns) : 0;

		wk->max_gap_ns = __atomic_load_n(&slot->max_gap_ns, __ATOMIC_ACQUIRE);
		if (open > wk->max_gap_ns)
			wk->max_gap_ns = open;
		if (children_exited(wk->pid, &wk->wait_status)) {
			/* Gone before we stopped it: /proc has nothing left. */
			wk->died_early = true;
			agent_log("worker %s/%d (pid %d) died early (wait status 0x%x)",
				  w->cell->cgroups[wk->def].name, wk->index, (int)wk->pid,
				  wk->wait_status);
		} else {
			proc_stats_read(wk->pid, slot->tid, &wk->stats);
			/* Recorded by the worker as it parked (0 if it did not). */
			wk->stats.minflt = slot->minflt;
			wk->stats.majflt = slot->majflt;
			if (!__atomic_load_n(&slot->parked, __ATOMIC_ACQUIRE))
				agent_log("worker %s/%d (tid %d) did not stop within %d ms; killing it",
					  w->cell->cgroups[wk->def].name, wk->index, (int)slot->tid,
					  STOP_GRACE_MS);
		}
		wk->running = false;
		wk->stopped_step = by_op ? w->step : -1;
		b->n_running--;
		if (b->clone == CELL_CLONE_FORK && reap) {
			kill_and_reap(wk->pid);
		} else if (b->clone == CELL_CLONE_FORK) {
			wk->unreaped = true;
			/* Not parked: it would go on running until then. */
			if (!__atomic_load_n(&slot->parked, __ATOMIC_ACQUIRE) && !wk->died_early)
				kill(wk->pid, SIGKILL);
		}
	}
	/* A batch whose workers all stopped goes: its process, its state. */
	for (int k = 0; k < count; k++) {
		struct batch *b = &w->batches[w->w[which[k]].batch];

		if (b->n_running > 0 || !b->work || b->unreaped)
			continue;
		if (!reap) {
			/* Its state goes in workers_free(), after its process. */
			b->unreaped = b->clone == CELL_CLONE_THREAD;
			continue;
		}
		if (b->clone == CELL_CLONE_THREAD)
			kill_and_reap(b->pid);
		work_batch_destroy(b->work);
		b->work = NULL;
	}
}

/* Stop the listed running workers: flag, release the blocked, wait for
 * them to park, then finalize. */
static void stop_workers(struct workers *w, const int *which, int count, bool by_op, bool reap)
{
	uint64_t stop_ns = clock_now_ns(), waited;

	if (count == 0)
		return;
	for (int k = 0; k < count; k++) {
		struct worker_slot *slot = &w->slots[which[k]];

		__atomic_store_n(&slot->stop, 1, __ATOMIC_RELEASE);
		/* A worker that never got through its gates goes straight to
		 * parking (see worker_main.c). */
		open_gate(&slot->placed);
		open_gate(&slot->start);
	}
	for (int k = 0; k < count; k++) {
		struct batch *b = &w->batches[w->w[which[k]].batch];

		if (b->work)
			work_batch_release(b->work);
	}
	phase_mark("stop: flags raised");
	waited = clock_now_ns();
	for (;;) {
		bool all = true;

		for (int k = 0; k < count && all; k++)
			all = __atomic_load_n(&w->slots[which[k]].parked, __ATOMIC_ACQUIRE) ||
			      gone(&w->w[which[k]]);
		if (all || clock_ms_since(waited) >= STOP_GRACE_MS)
			break;
		usleep(2000);
	}
	phase_mark("stop: workers parked");
	finalize(w, which, count, stop_ns, by_op, reap);
}

int workers_stop_in(struct workers *w, int loc, int count)
{
	int *which = malloc(sizeof(int) * (size_t)(w->n ? w->n : 1));
	int n = 0;

	if (!which)
		return 0;
	for (int i = w->n - 1; i >= 0 && (count == CELL_COUNT_ALL || n < count); i--)
		if (w->w[i].running && w->w[i].loc == loc)
			which[n++] = i;
	stop_workers(w, which, n, true, true);
	free(which);
	return n;
}

void workers_stop_all(struct workers *w, bool reap)
{
	int *which = malloc(sizeof(int) * (size_t)(w->n ? w->n : 1));
	int n = 0;

	if (!which)
		return;
	for (int i = 0; i < w->n; i++)
		if (w->w[i].running)
			which[n++] = i;
	stop_workers(w, which, n, false, reap);
	free(which);
}

bool workers_any_in(const struct workers *w, int loc)
{
	for (int i = 0; i < w->n; i++)
		if (w->w[i].running && w->w[i].loc == loc)
			return true;
	return false;
}

/* ---- starting a batch ---- */

static void fill_env(struct workers *w, const struct batch *b, struct work_env *env, char *dir,
		     size_t dir_size)
{
	const struct cell_cgroup *def = &w->cell->cgroups[b->def];

	cgroup_dir(def->name, dir, dir_size);
	memset(env, 0, sizeof(*env));
	env->cgroup = def->name;
	env->cgroup_dir = dir;
	env->batch = b->number;
	env->first_index = w->w[b->first].index;
	if (cgroup_effective_cpus(def->name, &env->allowed) != 0)
		env->allowed = w->layout->online;
	if (def->has_affinity) {
		struct cpu_mask both;
		bool any = false;

		for (int i = 0; i < CPU_MASK_WORDS; i++) {
			both.bits[i] = env->allowed.bits[i] & def->affinity.bits[i];
			any |= both.bits[i] != 0;
		}
		env->allowed = any ? both : def->affinity;
	}
	env->threads = b->clone == CELL_CLONE_THREAD;
	env->n_cpus = w->layout->n_cpus;
	env->cpu_node = w->layout->node;
	env->cpu_siblings = w->layout->siblings;
}

static void make_plans(struct workers *w, struct batch *b)
{
	const struct cell_cgroup *def = &w->cell->cgroups[b->def];

	for (int i = 0; i < b->n; i++) {
		struct worker_plan *plan = &b->plans[i];

		plan->def = def;
		plan->header = w->header;
		plan->slot = &w->slots[b->first + i];
		plan->batch = b->work;
		plan->in_batch = i;
		plan->n = b->n;
		plan->has_affinity = def->has_affinity;
		plan->affinity = def->affinity;
		for (int k = 0; k < def->n_worker_affinity; k++) {
			if (def->worker_affinity[k].worker == i) {
				plan->has_affinity = true;
				plan->affinity = def->worker_affinity[k].cpus;
			}
		}
	}
}

static int fork_batch(struct workers *w, struct batch *b, char *what, size_t what_size)
{
	const char *name = w->cell->cgroups[b->def].name;
	int count = b->clone == CELL_CLONE_THREAD ? 1 : b->n;

	for (int i = 0; i < count; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			snprintf(what, what_size, "fork worker %s/%d", name, w->w[b->first + i].index);
			return -errno;
		}
		if (pid == 0) {
			if (b->clone == CELL_CLONE_THREAD)
				worker_threads_main(b->plans, b->n);
			worker_process_main(&b->plans[i]);
		}
		children_track(pid);
		if (b->clone == CELL_CLONE_THREAD) {
			b->pid = pid;
			for (int k = 0; k < b->n; k++)
				w->w[b->first + k].pid = pid;
		} else {
			w->w[b->first + i].pid = pid;
		}
	}
	return 0;
}

/* Wait until every worker of the batch published field (non-zero), or one
 * of its processes died, or the timeout passed. */
static int wait_batch(struct workers *w, struct batch *b, bool ready, int timeout_ms,
		      char *what, size_t what_size)
{
	const char *name = w->cell->cgroups[b->def].name;
	uint64_t start = clock_now_ns();

	for (;;) {
		int missing = -1;

		for (int i = 0; i < b->n && missing < 0; i++) {
			struct worker_slot *slot = &w->slots[b->first + i];
			uint32_t value = ready ? __atomic_load_n(&slot->ready, __ATOMIC_ACQUIRE)
					       : (uint32_t)__atomic_load_n(&slot->tid, __ATOMIC_ACQUIRE);

			if (ready && value == WORKER_INIT_FAILED) {
				snprintf(what, what_size, "worker %s/%d: init of %s: %s", name,
					 w->w[b->first + i].index, work_kind_name(w->cell->cgroups[b->def].work),
					 slot->note[0] ? slot->note : "failed");
				return -(slot->init_errno ? slot->init_errno : EIO);
			}
			if (value == 0)
				missing = i;
		}
		if (missing < 0)
			return 0;
		if (gone(&w->w[b->first + missing])) {
			snprintf(what, what_size, "worker %s/%d exited before it %s", name,
				 w->w[b->first + missing].index, ready ? "was ready" : "started");
			return -ECHILD;
		}
		if (clock_ms_since(start) >= (uint64_t)timeout_ms) {
			snprintf(what, what_size, "worker %s/%d not %s after %d ms", name,
				 w->w[b->first + missing].index, ready ? "ready" : "started", timeout_ms);
			return -ETIMEDOUT;
		}
		usleep(1000);
	}
}

/* Into the cgroup before any of the batch's work runs. */
static int place_batch(struct workers *w, struct batch *b, char *what, size_t what_size)
{
	const char *name = w->cell->cgroups[b->def].name;
	bool threaded = b->clone == CELL_CLONE_THREAD && cgroup_is_threaded(name);
	int err;

	for (int i = 0; i < b->n; i++) {
		struct worker *wk = &w->w[b->first + i];
		pid_t tid = w->slots[b->first + i].tid;

		if (b->clone == CELL_CLONE_THREAD && !threaded) {
			/* The batch's threads share a cgroup: move the process. */
			if (i > 0)
				continue;
			err = cgroup_add_process(name, b->pid);
		} else {
			err = threaded ? cgroup_add_thread(name, tid) : cgroup_add_process(name, wk->pid);
		}
		if (err) {
			snprintf(what, what_size, "move worker %s/%d (pid %d, tid %d) into %s/%s/%s", name,
				 wk->index, (int)wk->pid, (int)tid, CGROUP_ROOT, name,
				 threaded ? "cgroup.threads" : "cgroup.procs");
			return err;
		}
	}
	for (int i = 0; i < b->n; i++)
		open_gate(&w->slots[b->first + i].placed);
	return 0;
}

int workers_start_batch(struct workers *w, int def, int count, char *what, size_t what_size)
{
	const struct cell_cgroup *cg = &w->cell->cgroups[def];
	struct batch *b;
	struct work_env env;
	char dir[512], err_text[256];
	int err;
	uint64_t now;

	if (count < 1 || w->n + count > CELL_MAX_RUN_WORKERS) {
		snprintf(what, what_size, "start %d workers of %s: at most %d over the run", count,
			 cg->name, CELL_MAX_RUN_WORKERS);
		return -E2BIG;
	}
	b = &w->batches[w->n_batches];
	memset(b, 0, sizeof(*b));
	b->def = def;
	b->number = w->next_batch[def];
	b->first = w->n;
	b->n = count;
	b->clone = cg->clone;
	b->plans = calloc((size_t)count, sizeof(*b->plans));
	if (!b->plans) {
		snprintf(what, what_size, "allocate a batch of %d workers", count);
		return -ENOMEM;
	}
	for (int i = 0; i < count; i++) {
		struct worker *wk = &w->w[w->n + i];

		memset(wk, 0, sizeof(*wk));
		wk->def = wk->loc = def;
		wk->index = w->next_index[def] + i;
		wk->batch = w->n_batches;
		wk->in_batch = i;
		wk->started_step = w->step;
		wk->stopped_step = -1;
		memset(&w->slots[w->n + i], 0, sizeof(w->slots[0]));
	}

	fill_env(w, b, &env, dir, sizeof(dir));
	b->work = work_batch_create(cg->work, &cg->params, count, &env, err_text, sizeof(err_text));
	if (!b->work) {
		snprintf(what, what_size, "work %s for %s: %s", work_kind_name(cg->work), cg->name,
			 err_text);
		free(b->plans);
		return -EINVAL;
	}
	/* From here on the batch and its workers are part of the run. */
	w->n_batches++;
	w->n += count;
	w->next_batch[def]++;
	w->next_index[def] += count;
	b->n_running = count;
	for (int i = 0; i < count; i++)
		w->w[b->first + i].running = true;
	make_plans(w, b);

	phase_mark("batch work made");
	err = fork_batch(w, b, what, what_size);
	phase_mark("batch forked");
	if (!err)
		err = wait_batch(w, b, false, APPEAR_TIMEOUT_MS, what, what_size);
	phase_mark("batch appeared");
	if (!err)
		err = place_batch(w, b, what, what_size);
	phase_mark("batch placed");
	if (!err)
		err = wait_batch(w, b, true, READY_TIMEOUT_MS, what, what_size);
	phase_mark("batch ready");
	if (err) {
		int which[CELL_MAX_BATCH];

		for (int i = 0; i < count; i++)
			which[i] = b->first + i;
		stop_workers(w, which, count, true, true);
		return err;
	}
	/* New batches start as soon as they are placed and ready. */
	now = clock_now_ns();
	for (int i = 0; i < count; i++) {
		w->slots[b->first + i].start_ns = now;
		open_gate(&w->slots[b->first + i].start);
	}
	return 0;
}

/* ---- ops on running workers ---- */

int workers_move(struct workers *w, int from, int to, char *what, size_t what_size)
{
	const char *dest = w->cell->cgroups[to].name;

	for (int i = 0; i < w->n; i++) {
		struct worker *wk = &w->w[i];
		struct batch *b = &w->batches[wk->batch];
		int err;

		if (!wk->running || wk->loc != from)
			continue;
		/* A thread batch moves as one process, once. */
		if (b->clone == CELL_CLONE_THREAD && wk->in_batch > 0 &&
		    w->w[b->first].loc == to)
			continue;
		err = cgroup_add_process(dest, wk->pid);
		if (err) {
			snprintf(what, what_size, "move worker %s/%d (pid %d) into %s/%s/cgroup.procs",
				 w->cell->cgroups[wk->def].name, wk->index, (int)wk->pid, CGROUP_ROOT,
				 dest);
			return err;
		}
		if (b->clone == CELL_CLONE_THREAD)
			for (int k = 0; k < b->n; k++)
				w->w[b->first + k].loc = to;
		else
			wk->loc = to;
	}
	return 0;
}

int workers_set_affinity(struct workers *w, int loc, const struct cpu_mask *cpus, char *what,
			 size_t what_size)
{
	const struct cpu_mask *mask = cpus ? cpus : &w->layout->online;
	cpu_set_t set;

	CPU_ZERO(&set);
	for (int cpu = 0; cpu < CPU_MAX && cpu < CPU_SETSIZE; cpu++)
		if (cpu_mask_test(mask, cpu))
			CPU_SET(cpu, &set);
	for (int i = 0; i < w->n; i++) {
		struct worker *wk = &w->w[i];
		pid_t tid = w->slots[i].tid;

		if (!wk->running || wk->loc != loc)
			continue;
		if (sched_setaffinity(tid, sizeof(set), &set) != 0) {
			int err = -errno;

			snprintf(what, what_size, "sched_setaffinity of worker %s/%d (tid %d)",
				 w->cell->cgroups[wk->def].name, wk->index, (int)tid);
			return err;
		}
	}
	return 0;
}

/* ---- reading ---- */

int workers_count(const struct workers *w)
{
	return w ? w->n : 0;
}

void workers_state(struct workers *w, int i, bool read_stats, struct worker_state *out)
{
	const struct worker *wk = &w->w[i];
	const struct worker_slot *slot = &w->slots[i];
	const struct cell_cgroup *def = &w->cell->cgroups[wk->def];

	memset(out, 0, sizeof(*out));
	out->cgroup = def->name;
	out->index = wk->index;
	out->batch = w->batches[wk->batch].number;
	out->pid = wk->pid;
	out->tid = slot->tid;
	out->clone = w->batches[wk->batch].clone;
	out->started_step = wk->started_step;
	out->stopped_step = wk->stopped_step;
	out->running = wk->running;
	out->iterations = __atomic_load_n(&slot->iterations, __ATOMIC_ACQUIRE);
	out->cpus_seen = slot->cpus_seen;
	out->note = slot->note;
	out->died_early = wk->died_early;
	out->wait_status = wk->wait_status;
	if (work_kind_records_latency(def->work))
		out->has_wake_latency = latency_hist_p99_us(&slot->wake_latency,
							    &out->wake_latency_p99_us);
	if (wk->running) {
		uint64_t now = clock_now_ns();
		uint64_t step_start = w->header->step_start_ns;
		uint64_t life = __atomic_load_n(&slot->max_gap_ns, __ATOMIC_ACQUIRE);
		uint64_t step = 0, open;

		iteration_step_window(slot, w->header, &out->step_cpus, &step);
		open = open_gap(slot, 0, now);
		if (open > life)
			life = open;
		open = open_gap(slot, step_start, now);
		if (open > step)
			step = open;
		out->max_gap_us = life / 1000;
		out->step_max_gap_us = step / 1000;
		if (read_stats) {
			if (gone(wk))
				out->died_early = true;
			else
				proc_stats_read(wk->pid, slot->tid, &out->stats);
		}
	} else {
		out->stats = wk->stats;
		out->max_gap_us = wk->max_gap_ns / 1000;
		out->step_max_gap_us = out->max_gap_us;
	}
}

/* The processes workers_stop_all(w, false) left: all killed first, so they
 * exit together, then reaped. */
static void reap_left_over(struct workers *w)
{
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < w->n + w->n_batches; i++) {
			bool worker = i < w->n;
			pid_t pid = worker ? w->w[i].pid : w->batches[i - w->n].pid;

			if (!(worker ? w->w[i].unreaped : w->batches[i - w->n].unreaped) || pid <= 0)
				continue;
			if (pass == 0 && !children_exited(pid, NULL))
				kill(pid, SIGKILL);
			else if (pass == 1)
				kill_and_reap(pid);
		}
	}
}

void workers_free(struct workers *w)
{
	if (!w)
		return;
	if (w->w && w->batches && w->map)
		workers_stop_all(w, true);
	if (w->w && w->batches)
		reap_left_over(w);
	for (int i = 0; w->batches && i < w->n_batches; i++) {
		if (w->batches[i].work)
			work_batch_destroy(w->batches[i].work);
		free(w->batches[i].plans);
	}
	if (w->map)
		munmap(w->map, w->map_len);
	free(w->batches);
	free(w->w);
	free(w->layout);
	free(w);
}
