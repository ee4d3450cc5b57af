/* The interactive shell of a shell cell, for `ktstr shell`: the user's
 * terminal is the serial port (the host connects QEMU's serial to it), so the
 * shell gets ttyS0 as the controlling terminal of a new session, which makes
 * job control and Ctrl-C/Ctrl-Z work as on any login terminal. */
#ifndef KTSTR_SHELL_H
#define KTSTR_SHELL_H

#include <stddef.h>

#define SHELL_TTY "/dev/ttyS0"
#define SHELL_DEFAULT_TERM "vt100"
#define SHELL_PROMPT "ktstr:\\w# "

/* One line telling the user where they are and how to leave:
 * kernel release, CPUs, scheduler (sched_name, or EEVDF when NULL). */
void shell_banner(char *buf, size_t size, const char *sched_name);

/* In the forked child: start a new session with tty_fd (SHELL_TTY, opened
 * O_NOCTTY) as its controlling terminal and as stdin/stdout/stderr, print
 * the banner, exec an interactive shell. TERM is term, or SHELL_DEFAULT_TERM
 * when NULL. */
void shell_exec(int tty_fd, const char *term, const char *banner) __attribute__((noreturn));

#endif
