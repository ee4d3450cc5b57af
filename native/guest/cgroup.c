#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "file_io.h"
#include "log.h"

#define CONTROLLERS "+cpuset +cpu"
/* A task that was just SIGKILLed and reaped may keep its cgroup populated
 * for a moment. */
#define RMDIR_RETRY_MS 2000

/* Enable the controllers in one directory's subtree_control; one of them
 * may be unavailable, so fall back to one by one. */
static int enable_in(const char *dir)
{
	static const char *const controllers[] = { "+cpuset", "+cpu" };
	char path[512];
	int err, first = 0;

	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	if (write_string(path, CONTROLLERS) == 0)
		return 0;
	for (size_t i = 0; i < sizeof(controllers) / sizeof(controllers[0]); i++) {
		err = write_string(path, controllers[i]);
		if (err) {
			agent_log("enable %s in %s: %s", controllers[i], path, strerror(-err));
			if (!first)
				first = err;
		}
	}
	return first;
}

void cgroup_enable_controllers(void)
{
	enable_in(CGROUP_ROOT);
}

void cgroup_dir(const char *name, char *out, size_t size)
{
	snprintf(out, size, CGROUP_ROOT "/%s", name);
}

static int write_file(const char *name, const char *file, const char *value, char *what,
		      size_t what_size)
{
	char path[512];
	int err;

	snprintf(path, sizeof(path), CGROUP_ROOT "/%s/%s", name, file);
	err = write_string(path, value);
	if (err)
		snprintf(what, what_size, "write '%s' to %s", value, path);
	return err;
}

int cgroup_create(const char *name, const char *cpuset, int weight, char *what, size_t what_size)
{
	char dir[512];
	size_t len = strlen(CGROUP_ROOT "/");
	int err;

	cgroup_dir(name, dir, sizeof(dir));
	/* Walk down the path: every component but the last is a parent whose
	 * children need the controllers. */
	for (char *slash = dir + len;; slash++) {
		slash = strchr(slash, '/');
		if (slash)
			*slash = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			err = -errno;
			snprintf(what, what_size, "mkdir %s", dir);
			return err;
		}
		if (!slash)
			break;
		err = enable_in(dir);
		*slash = '/';
		if (err) {
			snprintf(what, what_size, "enable the cpu and cpuset controllers in %.*s/cgroup.subtree_control",
				 (int)(slash - dir), dir);
			return err;
		}
	}
	if (cpuset && (err = cgroup_set_cpuset(name, cpuset, what, what_size)))
		return err;
	if (weight > 0) {
		char value[16];

		snprintf(value, sizeof(value), "%d", weight);
		if ((err = write_file(name, "cpu.weight", value, what, what_size)))
			return err;
	}
	return 0;
}

int cgroup_set_cpuset(const char *name, const char *cpus, char *what, size_t what_size)
{
	/* An empty write may never reach the kernel's handler; a lone newline
	 * is the empty list after its whitespace is stripped. */
	return write_file(name, "cpuset.cpus", cpus[0] ? cpus : "\n", what, what_size);
}

int cgroup_get_cpuset(const char *name, char *out, size_t size)
{
	char path[512];
	ssize_t n;

	snprintf(path, sizeof(path), CGROUP_ROOT "/%s/cpuset.cpus", name);
	n = read_trimmed(path, out, size);
	return n < 0 ? (int)n : 0;
}

int cgroup_effective_cpus(const char *name, struct cpu_mask *mask)
{
	char path[512], text[4096];
	ssize_t n;

	snprintf(path, sizeof(path), CGROUP_ROOT "/%s/cpuset.cpus.effective", name);
	n = read_trimmed(path, text, sizeof(text));
	if (n < 0)
		return (int)n;
	return cpulist_parse(text, mask) == 0 ? 0 : -EINVAL;
}

static int write_id(const char *name, const char *file, pid_t id)
{
	char path[512], value[32];

	snprintf(path, sizeof(path), CGROUP_ROOT "/%s/%s", name, file);
	snprintf(value, sizeof(value), "%d", (int)id);
	return write_string(path, value);
}

int cgroup_add_process(const char *name, pid_t pid)
{
	return write_id(name, "cgroup.procs", pid);
}

int cgroup_add_thread(const char *name, pid_t tid)
{
	return write_id(name, "cgroup.threads", tid);
}

bool cgroup_is_threaded(const char *name)
{
	char path[512], type[64];

	snprintf(path, sizeof(path), CGROUP_ROOT "/%s/cgroup.type", name);
	return read_trimmed(path, type, sizeof(type)) > 0 && strcmp(type, "threaded") == 0;
}

int cgroup_remove(const char *name, char *what, size_t what_size)
{
	char dir[512];
	uint64_t start = clock_now_ns();

	cgroup_dir(name, dir, sizeof(dir));
	while (rmdir(dir) != 0) {
		int err = -errno;

		if (err == -ENOENT)
			return 0;
		if (err != -EBUSY || clock_ms_since(start) >= RMDIR_RETRY_MS) {
			snprintf(what, what_size, "rmdir %s", dir);
			return err;
		}
		usleep(5000);
	}
	return 0;
}

int cgroup_remove_tree(const char *name, char *what, size_t what_size)
{
	char dir[512], child[512];
	DIR *d;
	struct dirent *de;
	int err = 0;

	cgroup_dir(name, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : cgroup_remove(name, what, what_size);
	while (!err && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(child, sizeof(child), "%s/%s", name, de->d_name);
		err = cgroup_remove_tree(child, what, what_size);
	}
	closedir(d);
	return err ? err : cgroup_remove(name, what, what_size);
}
