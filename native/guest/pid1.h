/* What the agent must do because it is PID 1 of a VM with no other init:
 * mount the pseudo file systems, give children a sane environment, enable
 * the cgroup controllers the cells use, and end by powering the VM off
 * (PID 1 returning would panic the kernel). */
#ifndef KTSTR_PID1_H
#define KTSTR_PID1_H

void pid1_setup(void);

/* The part of pid1_setup() that is about the agent's own process, not the
 * machine: descriptors, signals, cgroup controllers, SCHED_FIFO. Also what
 * --run-cell does on a machine that has its own init. */
void agent_process_setup(void);

/* In a forked child that is about to exec another program: undo what PID 1
 * set for itself and exec would carry over (the ignored SIGPIPE, the signal
 * mask). */
void pid1_reset_for_exec(void);

/* sync + reboot(RB_POWER_OFF). Never returns. */
void pid1_power_off(void) __attribute__((noreturn));

#endif
