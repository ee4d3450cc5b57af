#include "cgroup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "file_io.h"
#include "log.h"

void cgroup_enable_controllers(void)
{
	static const char *const controllers[] = { "+cpuset", "+cpu" };
	const char *path = CGROUP_ROOT "/cgroup.subtree_control";
	int err = write_string(path, "+cpuset +cpu");

	if (err == 0)
		return;
	/* One controller may be unavailable; enable what we can, one by one. */
	for (size_t i = 0; i < sizeof(controllers) / sizeof(controllers[0]); i++) {
		err = write_string(path, controllers[i]);
		if (err)
			agent_log("enable %s in %s: %s", controllers[i], path, strerror(-err));
	}
}

int cgroup_prepare(const char *name, const char *cpuset, char *what, size_t what_size)
{
	char path[256];
	int err;

	snprintf(path, sizeof(path), CGROUP_ROOT "/%s", name);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		err = -errno;
		snprintf(what, what_size, "mkdir %s", path);
		return err;
	}
	if (!cpuset)
		return 0;
	snprintf(path, sizeof(path), CGROUP_ROOT "/%s/cpuset.cpus", name);
	err = write_string(path, cpuset);
	if (err)
		snprintf(what, what_size, "write '%s' to %s", cpuset, path);
	return err;
}

int cgroup_add_process(const char *name, pid_t pid)
{
	char path[256], value[32];

	snprintf(path, sizeof(path), CGROUP_ROOT "/%s/cgroup.procs", name);
	snprintf(value, sizeof(value), "%d", (int)pid);
	return write_string(path, value);
}
