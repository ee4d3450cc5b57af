#include "workers.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cgroup.h"
#include "children.h"
#include "clock.h"
#include "futex.h"
#include "log.h"
#include "work_types.h"
#include "worker_shared.h"

struct worker_proc {
	const struct cell_cgroup *cgroup;
	int index;     /* within its cgroup */
	int partner;   /* global index; == own index for unpaired or odd last */
	int pipe_read; /* pipe_io: own pipe, -1 otherwise */
	int pipe_write;
	pid_t pid;     /* 0 before fork */
	bool reaped;
	struct proc_sched_stats stats;
	uint64_t max_gap_ns;
	bool died_early;
	int wait_status;
};

struct workers {
	int n;
	bool stopped; /* workers_stop() ran: the results are final */
	struct worker_proc *procs;
	void *map;
	size_t map_len;
	struct worker_shared_header *header;
	struct worker_slot *slots;
};

/* ---- in the worker process ---- */

static void set_bit_once(struct cpu_mask *mask, int cpu)
{
	/* Read first: the mask rarely changes and stores dirty the line. */
	if (cpu >= 0 && !cpu_mask_test(mask, cpu))
		cpu_mask_set(mask, cpu);
}

static void __attribute__((noreturn)) worker_main(struct workers *w, int i)
{
	struct worker_proc *self = &w->procs[i];
	const struct cell_cgroup *cg = self->cgroup;
	struct worker_slot *slot = &w->slots[i];
	struct worker_shared_header *hdr = w->header;
	struct work_ctx ctx = {
		.kind = cg->work,
		.params = cg->params,
		.stop = &hdr->stop,
		.self = slot,
		.partner = &w->slots[self->partner],
		.own_read_fd = self->pipe_read,
		.partner_write_fd = w->procs[self->partner].pipe_write,
	};
	char comm[CELL_COMM_MAX];
	uint64_t prev;

	signal(SIGPIPE, SIG_DFL);
	if (cg->has_comm)
		snprintf(comm, sizeof(comm), "%s", cg->comm);
	else
		snprintf(comm, sizeof(comm), "ktstr-%.9s", cg->name); /* 15 chars max */
	prctl(PR_SET_NAME, comm, 0, 0, 0);
	if (cg->has_nice && setpriority(PRIO_PROCESS, 0, cg->nice) != 0)
		agent_log("worker %s/%d: setpriority(%d): %s", cg->name, self->index, cg->nice,
			  strerror(errno));

	/* The agent moves us into our cgroup, then opens the barrier. */
	while (__atomic_load_n(&hdr->start, __ATOMIC_ACQUIRE) == 0)
		futex_wait(&hdr->start, 0);

	prev = __atomic_load_n(&hdr->start_ns, __ATOMIC_RELAXED);
	while (!__atomic_load_n(&hdr->stop, __ATOMIC_RELAXED)) {
		uint64_t now, gap;

		if (!work_iteration(&ctx))
			break;
		now = clock_now_ns();
		gap = now > prev ? now - prev : 0;
		if (gap > slot->max_gap_ns)
			__atomic_store_n(&slot->max_gap_ns, gap, __ATOMIC_RELAXED);
		prev = now;
		__atomic_store_n(&slot->last_end_ns, now, __ATOMIC_RELAXED);
		__atomic_store_n(&slot->iterations, slot->iterations + 1, __ATOMIC_RELAXED);
		set_bit_once(&slot->cpus_seen, sched_getcpu());
	}

	/* Stay alive until the agent has read /proc/PID/{schedstat,sched}. */
	__atomic_store_n(&slot->parked, 1, __ATOMIC_RELEASE);
	for (;;)
		pause();
}

/* ---- in the agent ---- */

static void kill_all(struct workers *w)
{
	for (int i = 0; i < w->n; i++) {
		struct worker_proc *p = &w->procs[i];

		if (p->pid <= 0 || p->reaped)
			continue;
		/* Never signal a pid that was already reaped: it may be reused. */
		if (!children_exited(p->pid, NULL)) {
			kill(p->pid, SIGKILL);
			if (!children_wait(p->pid, 2000, NULL))
				agent_log("worker pid %d survived SIGKILL for 2 s", (int)p->pid);
		}
		children_forget(p->pid);
		p->reaped = true;
	}
}

static void close_pipes(struct workers *w)
{
	for (int i = 0; i < w->n; i++) {
		if (w->procs[i].pipe_read >= 0)
			close(w->procs[i].pipe_read);
		if (w->procs[i].pipe_write >= 0)
			close(w->procs[i].pipe_write);
		w->procs[i].pipe_read = w->procs[i].pipe_write = -1;
	}
}

void workers_free(struct workers *w)
{
	if (!w)
		return;
	close_pipes(w);
	if (w->map)
		munmap(w->map, w->map_len);
	free(w->procs);
	free(w);
}

/* Lay out the process table: cgroup, index and partner of every worker. */
static int plan(struct workers *w, const struct cell *cell, char *what, size_t what_size)
{
	int g = 0;

	for (int c = 0; c < cell->n_cgroups; c++) {
		const struct cell_cgroup *cg = &cell->cgroups[c];

		for (int k = 0; k < cg->workers; k++, g++) {
			struct worker_proc *p = &w->procs[g];
			int fds[2];

			p->cgroup = cg;
			p->index = k;
			p->partner = g;
			p->pipe_read = p->pipe_write = -1;
			if (work_kind_is_paired(cg->work) && !(k % 2 == 0 && k + 1 == cg->workers))
				p->partner = k % 2 == 0 ? g + 1 : g - 1;
			if (cg->work == WORK_PIPE_IO) {
				if (pipe2(fds, O_CLOEXEC) != 0) {
					snprintf(what, what_size, "pipe for worker %s/%d", cg->name, k);
					return -errno;
				}
				p->pipe_read = fds[0];
				p->pipe_write = fds[1];
			}
		}
	}
	return 0;
}

struct workers *workers_spawn(const struct cell *cell, int *err, char *what, size_t what_size)
{
	struct workers *w = calloc(1, sizeof(*w));
	int n = cell_total_workers(cell);
	long page = sysconf(_SC_PAGESIZE);
	size_t header_len = (sizeof(struct worker_shared_header) + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1);

	*err = 0;
	if (!w) {
		*err = -ENOMEM;
		snprintf(what, what_size, "allocate the worker table");
		return NULL;
	}
	w->n = n;
	w->procs = calloc((size_t)(n ? n : 1), sizeof(*w->procs));
	w->map_len = (header_len + (size_t)n * sizeof(struct worker_slot) + (size_t)page - 1) &
		     ~((size_t)page - 1);
	w->map = mmap(NULL, w->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!w->procs || w->map == MAP_FAILED) {
		*err = -ENOMEM;
		snprintf(what, what_size, "allocate shared memory for %d workers", n);
		if (w->map == MAP_FAILED)
			w->map = NULL;
		goto fail;
	}
	w->header = w->map;
	w->slots = (struct worker_slot *)((char *)w->map + header_len);

	for (int c = 0; c < cell->n_cgroups; c++) {
		const struct cell_cgroup *cg = &cell->cgroups[c];

		*err = cgroup_prepare(cg->name, cg->has_cpuset ? cg->cpuset : NULL, what, what_size);
		if (*err)
			goto fail;
	}
	*err = plan(w, cell, what, what_size);
	if (*err)
		goto fail;

	for (int i = 0; i < n; i++) {
		struct worker_proc *p = &w->procs[i];
		pid_t pid = fork();

		if (pid < 0) {
			*err = -errno;
			snprintf(what, what_size, "fork worker %s/%d", p->cgroup->name, p->index);
			goto fail_started;
		}
		if (pid == 0)
			worker_main(w, i);
		p->pid = pid;
		children_track(pid);
		/* Placement happens here, while the worker waits at the barrier,
		 * so no iteration ever runs outside its cgroup. */
		*err = cgroup_add_process(p->cgroup->name, pid);
		if (*err) {
			snprintf(what, what_size, "move worker %s/%d (pid %d) into %s/%s/cgroup.procs",
				 p->cgroup->name, p->index, (int)pid, CGROUP_ROOT, p->cgroup->name);
			goto fail_started;
		}
	}
	return w;

fail_started:
	/* Let the forked workers through the barrier straight to parking. */
	__atomic_store_n(&w->header->stop, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&w->header->start, 1, __ATOMIC_RELEASE);
	futex_wake_all(&w->header->start);
	kill_all(w);
fail:
	workers_free(w);
	return NULL;
}

void workers_start(struct workers *w)
{
	__atomic_store_n(&w->header->start_ns, clock_now_ns(), __ATOMIC_RELAXED);
	__atomic_store_n(&w->header->start, 1, __ATOMIC_RELEASE);
	futex_wake_all(&w->header->start);
}

/* Wake every worker that may be sleeping on its partner, so it sees stop. */
static void release_blocked(struct workers *w)
{
	for (int i = 0; i < w->n; i++) {
		struct worker_proc *p = &w->procs[i];

		if (p->cgroup->work == WORK_FUTEX_PING_PONG) {
			__atomic_add_fetch(&w->slots[i].tokens, 1, __ATOMIC_RELEASE);
			futex_wake_all(&w->slots[i].tokens);
		} else if (p->cgroup->work == WORK_PIPE_IO && p->pipe_write >= 0) {
			char byte = 's';

			if (write(p->pipe_write, &byte, 1) < 0) {
				/* Pipe full means the worker has data to read anyway. */
			}
		}
	}
}

static bool all_stopped(struct workers *w)
{
	for (int i = 0; i < w->n; i++) {
		if (__atomic_load_n(&w->slots[i].parked, __ATOMIC_ACQUIRE))
			continue;
		if (children_exited(w->procs[i].pid, NULL))
			continue;
		return false;
	}
	return true;
}

void workers_stop(struct workers *w, int grace_ms)
{
	uint64_t stop_ns, start_ns, deadline_start;

	if (w->n == 0 || w->stopped)
		return;
	w->stopped = true;
	stop_ns = clock_now_ns();
	__atomic_store_n(&w->header->stop, 1, __ATOMIC_RELEASE);
	/* If the barrier never opened (shutdown before the hold), open it so
	 * the workers can reach their parking spot. */
	if (!__atomic_load_n(&w->header->start, __ATOMIC_ACQUIRE))
		workers_start(w);
	start_ns = w->header->start_ns;
	release_blocked(w);

	deadline_start = clock_now_ns();
	while (!all_stopped(w) && clock_ms_since(deadline_start) < (uint64_t)grace_ms)
		usleep(2000);

	for (int i = 0; i < w->n; i++) {
		struct worker_proc *p = &w->procs[i];
		struct worker_slot *slot = &w->slots[i];
		uint64_t last = __atomic_load_n(&slot->last_end_ns, __ATOMIC_ACQUIRE);

		/* The gap still open at stop counts: a worker that stopped
		 * making progress (or never started) must show it. */
		if (last == 0)
			last = start_ns;
		p->max_gap_ns = __atomic_load_n(&slot->max_gap_ns, __ATOMIC_ACQUIRE);
		if (stop_ns > last && stop_ns - last > p->max_gap_ns)
			p->max_gap_ns = stop_ns - last;

		if (children_exited(p->pid, &p->wait_status)) {
			/* Gone before we stopped it: /proc has nothing left. */
			p->died_early = true;
			agent_log("worker %s/%d (pid %d) died early (wait status 0x%x)",
				  p->cgroup->name, p->index, (int)p->pid, p->wait_status);
		} else {
			proc_stats_read(p->pid, &p->stats);
		}
		if (!__atomic_load_n(&slot->parked, __ATOMIC_ACQUIRE) && !p->died_early)
			agent_log("worker %s/%d (pid %d) did not stop within %d ms; killing it",
				  p->cgroup->name, p->index, (int)p->pid, grace_ms);
	}
	kill_all(w);
	close_pipes(w);
}

int workers_count(const struct workers *w)
{
	return w ? w->n : 0;
}

void workers_result(const struct workers *w, int i, struct worker_result *out)
{
	const struct worker_proc *p = &w->procs[i];
	const struct worker_slot *slot = &w->slots[i];

	memset(out, 0, sizeof(*out));
	out->cgroup = p->cgroup->name;
	out->index = p->index;
	out->pid = p->pid;
	out->iterations = slot->iterations;
	out->stats = p->stats;
	out->cpus_seen = slot->cpus_seen;
	out->max_gap_us = p->max_gap_ns / 1000;
	if (work_kind_records_latency(p->cgroup->work))
		out->has_wake_latency = latency_hist_p99_us(&slot->wake_latency,
							    &out->wake_latency_p99_us);
	out->died_early = p->died_early;
	out->wait_status = p->wait_status;
}
