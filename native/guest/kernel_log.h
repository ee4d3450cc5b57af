/* The kernel log (dmesg) lines about sched_ext, read with klogctl(2).
 *
 * When a BPF scheduler is kicked out the kernel prints
 *   sched_ext: BPF scheduler "NAME" disabled (runtime error)
 *   sched_ext: NAME: <the reason: scx_bpf_error() text, "runnable task stall ...">
 * possibly followed by a backtrace. We keep the lines from the first
 * sched_ext line on and pick the best single-line reason. */
#ifndef KTSTR_KERNEL_LOG_H
#define KTSTR_KERNEL_LOG_H

#define KERNEL_LOG_MAX_LINES 60

struct sched_ext_log {
	int n_lines;
	char *lines[KERNEL_LOG_MAX_LINES]; /* malloc'd, "[ time] text" */
	char reason[512];                  /* "" when no sched_ext line */
};

void sched_ext_log_read(struct sched_ext_log *log);
void sched_ext_log_free(struct sched_ext_log *log);

#endif
