#include "shell.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "command.h"
#include "file_io.h"

void shell_banner(char *buf, size_t size, const char *sched_name)
{
	struct utsname uts;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (uname(&uts) != 0)
		strcpy(uts.release, "?");
	snprintf(buf, size, "ktstr shell: Linux %s, %ld CPU%s, scheduler %s; exit or Ctrl-D powers off",
		 uts.release, cpus, cpus == 1 ? "" : "s",
		 sched_name ? sched_name : "EEVDF (no sched_ext scheduler)");
}

void shell_exec(int tty_fd, const char *term, const char *banner)
{
	char line[512];
	int n;

	/* A new session has no controlling terminal; TIOCSCTTY gives it this
	 * one and makes the shell's group the foreground group, so the tty's
	 * signals (Ctrl-C, Ctrl-Z) reach the shell's jobs and never the agent. */
	if (setsid() < 0 || ioctl(tty_fd, TIOCSCTTY, 0) < 0) {
		dprintf(tty_fd, "ktstr-guest: cannot make " SHELL_TTY " the shell's terminal: %s\n",
			strerror(errno));
		_exit(126);
	}
	for (int fd = 0; fd <= 2; fd++)
		dup2(tty_fd, fd);
	if (tty_fd > 2)
		close(tty_fd);

	setenv("TERM", term ? term : SHELL_DEFAULT_TERM, 1);
	setenv("PS1", SHELL_PROMPT, 1);

	/* A blank line first: the boot log ends right above. */
	n = snprintf(line, sizeof(line), "\n%s\n", banner);
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	write_all(STDOUT_FILENO, line, (size_t)n);

	/* -i: interactive even if isatty() were to disagree, which also turns
	 * on job control. */
	execl(COMMAND_SHELL, "sh", "-i", (char *)NULL);
	dprintf(STDERR_FILENO, "ktstr-guest: exec " COMMAND_SHELL ": %s\n", strerror(errno));
	_exit(127);
}
