#include "work/work_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "iteration_end.h"
#include "work/host_env.h"
#include "work_types.h"
#include "worker_shared.h"

/* What the runtime shares with a worker, in one MAP_SHARED mapping as in the
 * agent, so that the loop touches memory of the same kind. */
struct loop_region {
	struct worker_shared_header header;
	struct worker_slot slot;
};

struct timer_arg {
	struct loop_region *region;
	struct work_batch *batch;
	long duration_ms;
};

/* Plays the agent: at the deadline, the stop flag, then the release. */
static void *stop_at_deadline(void *arg)
{
	struct timer_arg *t = arg;
	struct timespec ts = { .tv_sec = t->duration_ms / 1000,
			       .tv_nsec = (t->duration_ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	__atomic_store_n(&t->region->slot.stop, 1, __ATOMIC_SEQ_CST);
	work_batch_release(t->batch);
	return NULL;
}

/* The runtime's loop (worker_main.c): the stop check, the iteration and the
 * same bookkeeping at its end. */
static uint64_t run_loop(struct loop_region *r, struct work_ctx *ctx)
{
	struct worker_slot *slot = &r->slot;
	struct iteration_clock clock = { .prev = clock_now_ns() };

	while (!__atomic_load_n(&slot->stop, __ATOMIC_RELAXED)) {
		if (!work_iteration(ctx))
			break;
		iteration_end(slot, &r->header, &clock, clock_now_ns(), sched_getcpu);
	}
	return slot->iterations;
}

static int parse_params(enum work_kind kind, int argc, char **argv, struct work_params *params)
{
	work_params_default(kind, params);
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		char name[64], *end;
		long long value;
		long long min, max;

		if (!eq || eq == argv[i] || (size_t)(eq - argv[i]) >= sizeof(name)) {
			fprintf(stderr, "--work-loop: %s: expected name=value\n", argv[i]);
			return -1;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(eq - argv[i]), argv[i]);
		if (strcmp(name, "command") == 0) {
			snprintf(params->command, sizeof(params->command), "%s", eq + 1);
			continue;
		}
		errno = 0;
		value = strtoll(eq + 1, &end, 10);
		if (errno || *end || end == eq + 1) {
			fprintf(stderr, "--work-loop: %s: not an integer\n", argv[i]);
			return -1;
		}
		switch (work_param_set(kind, params, name, value)) {
		case WORK_PARAM_OK:
			break;
		case WORK_PARAM_OUT_OF_RANGE:
			work_param_range(name, &min, &max);
			fprintf(stderr, "--work-loop: %s must be %lld..%lld\n", name, min, max);
			return -1;
		case WORK_PARAM_UNUSED:
			fprintf(stderr, "--work-loop: %s takes no %s\n", work_kind_name(kind), name);
			return -1;
		case WORK_PARAM_UNKNOWN:
			fprintf(stderr, "--work-loop: unknown parameter %s\n", name);
			return -1;
		}
	}
	return 0;
}

/* cgroup_churn needs a cgroup of its own to hop away from and back to:
 * <cgroup2 root>/ktstr-work-loop-PID, which the caller is moved into. */
static const char *cgroup2_root(void)
{
	if (access("/sys/fs/cgroup/cgroup.procs", F_OK) == 0 &&
	    access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
		return "/sys/fs/cgroup";
	if (access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) == 0)
		return "/sys/fs/cgroup/unified";
	return NULL;
}

static int write_pid(const char *dir)
{
	char path[600];
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fprintf(f, "%d\n", (int)getpid()) < 0)
		rc = -EIO;
	if (fclose(f) != 0)
		rc = -errno;
	return rc;
}

/* The caller's cgroup2 directory, from the "0::" line of /proc/self/cgroup. */
static void current_cgroup(const char *root, char *dir, size_t size)
{
	char line[512];
	FILE *f = fopen("/proc/self/cgroup", "r");

	snprintf(dir, size, "%s", root);
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(dir, size, "%s%s", root, strcmp(line + 3, "/") == 0 ? "" : line + 3);
			break;
		}
	}
	if (f)
		fclose(f);
}

int work_loop_main(int argc, char **argv)
{
	struct loop_region *region;
	struct work_params params;
	struct work_env env;
	struct work_batch *batch;
	struct timer_arg timer;
	pthread_t thread;
	char err[256], home[300] = "", origin[600] = "";
	const char *root = NULL, *io_dir = getenv("KTSTR_WORK_IO_DIR");
	char *end;
	long duration_ms;
	int kind, rc;
	uint64_t iterations;

	if (argc < 2) {
		fprintf(stderr, "usage: ktstr-guest --work-loop TYPE DURATION_MS [name=value ...]\n");
		return 2;
	}
	kind = work_kind_from_name(argv[0]);
	if (kind < 0) {
		fprintf(stderr, "--work-loop: unknown work type %s (one of %s)\n", argv[0],
			work_kind_all_names());
		return 2;
	}
	duration_ms = strtol(argv[1], &end, 10);
	if (*end || end == argv[1] || duration_ms < 1 || duration_ms > 3600000) {
		fprintf(stderr, "--work-loop: DURATION_MS must be 1..3600000\n");
		return 2;
	}
	if (parse_params(kind, argc - 2, argv + 2, &params) != 0)
		return 2;
	if (io_dir)
		work_set_io_root(io_dir);
	if (work_host_env(&env) != 0) {
		fprintf(stderr, "--work-loop: cannot read the CPU topology from sysfs\n");
		return 1;
	}
	env.cgroup = "work-loop";
	if (kind == WORK_CGROUP_CHURN) {
		root = cgroup2_root();
		if (root)
			current_cgroup(root, origin, sizeof(origin));
		if (root)
			snprintf(home, sizeof(home), "%s/ktstr-work-loop-%d", root, (int)getpid());
		if (!root || mkdir(home, 0755) != 0 || write_pid(home) != 0) {
			fprintf(stderr, "--work-loop: cgroup_churn needs a writable cgroup2 (%s)\n",
				root ? home : "none mounted");
			return 1;
		}
		env.cgroup_dir = home;
	}
	region = mmap(NULL, sizeof(*region), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		      0);
	if (region == MAP_FAILED) {
		perror("--work-loop: mmap");
		return 1;
	}
	batch = work_batch_create(kind, &params, 1, &env, err, sizeof(err));
	if (!batch) {
		fprintf(stderr, "--work-loop: %s\n", err);
		return 1;
	}
	{
		struct work_ctx ctx = {
			.kind = kind,
			.params = &params,
			.batch = batch,
			.index = 0,
			.n = 1,
			.stop = &region->slot.stop,
			.self = &region->slot,
		};

		rc = work_worker_init(&ctx);
		if (rc != 0) {
			fprintf(stderr, "--work-loop: %s init: %s%s%s\n", argv[0], strerror(-rc),
				ctx.note[0] ? ": " : "", ctx.note);
			work_batch_destroy(batch);
			return 1;
		}
		timer = (struct timer_arg){ region, batch, duration_ms };
		if (pthread_create(&thread, NULL, stop_at_deadline, &timer) != 0) {
			fprintf(stderr, "--work-loop: cannot start the timer thread\n");
			return 1;
		}
		iterations = run_loop(region, &ctx);
		work_worker_fini(&ctx);
		pthread_join(thread, NULL);
		if (ctx.note[0])
			fprintf(stderr, "note: %s\n", ctx.note);
	}
	work_batch_destroy(batch);
	if (home[0]) {
		/* Back where we came from, then remove ours. */
		write_pid(origin);
		rmdir(home);
	}
	printf("iterations %llu\n", (unsigned long long)iterations);
	return 0;
}
