/* The lifecycle of the BPF scheduler under test: spawn it, watch
 * /sys/kernel/sched_ext/state, notice when it leaves "enabled", stop it, and
 * report why it exited (`sched_exit`). */
#ifndef KTSTR_SCHEDULER_H
#define KTSTR_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cell_config.h"

#define SCHED_EXT_STATE_PATH "/sys/kernel/sched_ext/state"
#define SCHED_EXT_OPS_PATH "/sys/kernel/sched_ext/root/ops"
#define SCHED_LOG_PATH "/tmp/sched.log"
/* Enough for a kernel exit dump of the size ktstr asks schedulers for
 * (EXIT_DUMP_LEN in core/src/api/declare-scheduler.ts) plus the loader's own
 * last lines. */
#define SCHED_OUTPUT_TAIL_BYTES (160u * 1024)

struct scheduler {
	pid_t pid; /* 0 when no scheduler was spawned */
	uint64_t spawn_ns;
	bool exited;
	int wait_status; /* valid when exited */
	/* The agent had to stop it: its exit status says nothing about it. */
	bool stopped_by_agent;
};

/* Whether the kernel has sched_ext at all (CONFIG_SCHED_CLASS_EXT). */
bool scheduler_kernel_supported(void);

/* Fork + exec the cell's scheduler with its arguments, stdout and stderr to
 * SCHED_LOG_PATH, in its own process group. Returns 0, or -errno (fork). An
 * exec failure shows up as the process exiting with status 127. */
int scheduler_spawn(struct scheduler *s, const struct cell *cell);

/* Current content of the state file ("enabled", "disabled", ...), "" when
 * unreadable. */
void scheduler_read_state(char *state, size_t size);
bool scheduler_is_enabled(void);

/* Name of the attached ops (root/ops). Returns false when the file does not
 * exist on this kernel. */
bool scheduler_ops_name(char *name, size_t size);

/* Whether the scheduler process has exited (reaps it if so). */
bool scheduler_process_exited(struct scheduler *s);

/* Wait (at most timeout_ms) for the state to settle after leaving "enabled"
 * and for the process to exit by itself, so that the kernel's report and the
 * loader's exit message are complete before we collect them. */
void scheduler_wait_exit_settled(struct scheduler *s, int timeout_ms);

/* SIGINT to its process group, SIGKILL after grace_ms, then reap. */
void scheduler_stop(struct scheduler *s, int grace_ms);

/* Send `sched_exit`. phase is "attach" or "run". fallback_reason is used when
 * the kernel log has no sched_ext line. exit_status is null while the process
 * runs or when it only exited because scheduler_stop() stopped it. */
void scheduler_send_exit(struct scheduler *s, const char *phase, const char *fallback_reason);

#endif
