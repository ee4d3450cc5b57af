#include "pid1.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "children.h"
#include "log.h"

static void mount_fs(const char *source, const char *target, const char *type,
		     unsigned long flags, const char *data, bool optional)
{
	if (mkdir(target, 0755) != 0 && errno != EEXIST) {
		/* sysfs directories cannot be created but usually exist. */
	}
	if (mount(source, target, type, flags, data) == 0 || errno == EBUSY)
		return;
	if (optional && (errno == ENODEV || errno == ENOENT))
		return; /* the kernel lacks this file system: fine */
	agent_log("mount %s on %s: %s", type, target, strerror(errno));
}

/* Without /dev/console in the initramfs the kernel starts init with no
 * stdin/stdout/stderr; give ourselves (and children) the console. */
static void ensure_console_fds(void)
{
	int fd;

	if (fcntl(STDERR_FILENO, F_GETFD) != -1 && fcntl(STDOUT_FILENO, F_GETFD) != -1 &&
	    fcntl(STDIN_FILENO, F_GETFD) != -1)
		return;
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return;
	for (int target = 0; target <= 2; target++)
		if (fcntl(target, F_GETFD) == -1)
			dup2(fd, target);
	if (fd > 2)
		close(fd);
}

void pid1_setup(void)
{
	struct stat st;

	umask(022);
	mount_fs("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, false);
	mount_fs("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, false);
	mount_fs("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", false);
	ensure_console_fds();
	mount_fs("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL, true);
	if (stat("/sys/kernel/tracing", &st) == 0)
		mount_fs("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL, true);
	mount_fs("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		 NULL, false);
	mount_fs("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", false);

	setenv("PATH", "/bin:/sbin:/usr/bin", 1);
	setenv("HOME", "/", 1);

	agent_process_setup();
}

void agent_process_setup(void)
{
	struct rlimit nofile;

	/* Paired workers hold two pipe ends each, all created by the agent. */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}

	/* Child statuses are collected by children.c; SIGCHLD must stay at its
	 * default so exited children remain waitable. */
	signal(SIGCHLD, SIG_DFL);
	/* A closed channel must surface as EPIPE, not kill PID 1. */
	signal(SIGPIPE, SIG_IGN);

	cgroup_enable_controllers();

	/* The agent is the watchdog of the run: it must keep its timing and
	 * notice a misbehaving scheduler even when the scheduler under test or
	 * a crowd of workers would starve it. As a (lowest-priority) RT task
	 * it is outside sched_ext's reach and preempts the workers; it sleeps
	 * almost all the time, so the load it adds is negligible.
	 * SCHED_RESET_ON_FORK gives the scheduler and the workers plain
	 * SCHED_OTHER, nice 0. */
	struct sched_param rt = { .sched_priority = 1 };

	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &rt) != 0)
		agent_log("sched_setscheduler(SCHED_FIFO): %s", strerror(errno));
}

void pid1_reset_for_exec(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
}

void pid1_power_off(void)
{
	children_reap();
	sync();
	reboot(RB_POWER_OFF);
	/* Only reached if reboot() failed (it should not for PID 1): exiting
	 * would panic the kernel, so park forever instead. */
	agent_log("reboot(RB_POWER_OFF) failed: %s", strerror(errno));
	for (;;) {
		pause();
		children_reap();
	}
}
