#include "worker_main.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "clock.h"
#include "futex.h"
#include "iteration_end.h"

/* Work types keep little on the stack; 1024 threads of 1 MiB stay within a
 * small guest's address space comfortably. */
#define THREAD_STACK (1024 * 1024)

static void wait_for(uint32_t *word)
{
	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == 0)
		futex_wait(word, 0);
}

static void __attribute__((noreturn)) park(void)
{
	for (;;)
		pause();
}

static void keep_note(struct worker_slot *slot, const char *note)
{
	snprintf(slot->note, sizeof(slot->note), "%s", note);
}

static void set_comm(const struct cell_cgroup *def)
{
	char comm[CELL_COMM_MAX];

	if (def->has_comm)
		snprintf(comm, sizeof(comm), "%s", def->comm);
	else
		snprintf(comm, sizeof(comm), "ktstr-%.9s", def->name); /* 15 chars max */
	prctl(PR_SET_NAME, comm, 0, 0, 0);
}

/* Nice, policy and affinity of the calling thread (Linux applies all three
 * per thread). Returns 0, or -errno with what failed in note. */
static int configure(const struct worker_plan *plan, char *note, size_t note_size)
{
	static const int policies[] = {
		[CELL_POLICY_NORMAL] = SCHED_OTHER, [CELL_POLICY_BATCH] = SCHED_BATCH,
		[CELL_POLICY_IDLE] = SCHED_IDLE,    [CELL_POLICY_FIFO] = SCHED_FIFO,
		[CELL_POLICY_RR] = SCHED_RR,
	};
	const struct cell_cgroup *def = plan->def;
	struct sched_param param = { .sched_priority = def->priority };
	int err;

	if (def->policy != CELL_POLICY_NORMAL &&
	    sched_setscheduler(0, policies[def->policy], &param) != 0) {
		err = -errno;
		snprintf(note, note_size, "sched_setscheduler(%s %d): %s", cell_policy_name(def->policy),
			 def->priority, strerror(errno));
		return err;
	}
	if (def->has_nice && setpriority(PRIO_PROCESS, 0, def->nice) != 0) {
		err = -errno;
		snprintf(note, note_size, "setpriority(%d): %s", def->nice, strerror(errno));
		return err;
	}
	if (plan->has_affinity) {
		cpu_set_t set;

		CPU_ZERO(&set);
		for (int cpu = 0; cpu < CPU_MAX && cpu < CPU_SETSIZE; cpu++)
			if (cpu_mask_test(&plan->affinity, cpu))
				CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0) {
			err = -errno;
			snprintf(note, note_size, "sched_setaffinity: %s", strerror(errno));
			return err;
		}
	}
	return 0;
}

/* Say we stopped working, with our page faults so far (a fork worker is a
 * single-threaded process, so the thread's counts are the process's). */
static void park_here(struct worker_slot *slot)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) == 0) {
		slot->minflt = (uint64_t)ru.ru_minflt;
		slot->majflt = (uint64_t)ru.ru_majflt;
	}
	__atomic_store_n(&slot->parked, 1, __ATOMIC_RELEASE);
}

/* One worker, in its process or thread: wait to be placed, configure, init
 * the work, wait for the batch's release, iterate until stopped, park. */
static void run_worker(const struct worker_plan *plan)
{
	struct worker_slot *slot = plan->slot;
	struct work_ctx ctx = {
		.kind = plan->def->work,
		.params = &plan->def->params,
		.batch = plan->batch,
		.index = plan->in_batch,
		.n = plan->n,
		.stop = &slot->stop,
		.self = slot,
	};
	struct iteration_clock clock = { 0 };
	int err;

	set_comm(plan->def);
	__atomic_store_n(&slot->tid, (int32_t)gettid(), __ATOMIC_RELEASE);
	/* The agent moves us into our cgroup; nothing below runs outside it. */
	wait_for(&slot->placed);
	if (__atomic_load_n(&slot->stop, __ATOMIC_ACQUIRE)) {
		/* The batch failed before it started: nothing to init or undo. */
		park_here(slot);
		return;
	}
	err = configure(plan, ctx.note, sizeof(ctx.note));
	if (!err)
		err = work_worker_init(&ctx);
	keep_note(slot, ctx.note);
	if (err) {
		slot->init_errno = -err;
		__atomic_store_n(&slot->ready, WORKER_INIT_FAILED, __ATOMIC_RELEASE);
		park_here(slot);
		return;
	}
	__atomic_store_n(&slot->ready, WORKER_READY, __ATOMIC_RELEASE);
	wait_for(&slot->start);

	clock.prev = __atomic_load_n(&slot->start_ns, __ATOMIC_RELAXED);
	while (!__atomic_load_n(&slot->stop, __ATOMIC_RELAXED)) {
		if (!work_iteration(&ctx))
			break;
		iteration_end(slot, plan->header, &clock, clock_now_ns(), sched_getcpu);
	}
	work_worker_fini(&ctx);
	keep_note(slot, ctx.note);
	/* Stay alive until the agent has read our /proc statistics. */
	park_here(slot);
}

void worker_process_main(const struct worker_plan *plan)
{
	signal(SIGPIPE, SIG_DFL);
	run_worker(plan);
	park();
}

static void *thread_main(void *arg)
{
	run_worker(arg);
	park();
	return NULL;
}

void worker_threads_main(const struct worker_plan *plans, int n)
{
	const struct cell_cgroup *def = plans[0].def;
	char comm[CELL_COMM_MAX];
	pthread_attr_t attr;

	signal(SIGPIPE, SIG_DFL);
	/* The process's own comm: the pcomm, or the workers' default. */
	if (def->has_pcomm)
		snprintf(comm, sizeof(comm), "%s", def->pcomm);
	else
		snprintf(comm, sizeof(comm), "ktstr-%.9s", def->name);
	prctl(PR_SET_NAME, comm, 0, 0, 0);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, THREAD_STACK);
	for (int i = 0; i < n; i++) {
		pthread_t thread;
		int err = pthread_create(&thread, &attr, thread_main, (void *)&plans[i]);

		if (err) {
			/* The agent sees the missing tid and fails the batch. */
			fprintf(stderr, "ktstr-guest: worker thread %d of %s: %s\n", i, def->name,
				strerror(err));
			break;
		}
	}
	park();
}
