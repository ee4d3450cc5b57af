#include "proc_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_io.h"

/* /proc/PID/sched is a "name : value" table and /proc/PID/status a
 * "name:\tvalue" one; fetch one named value from either. */
bool proc_stats_field(const char *text, const char *name, uint64_t *value)
{
	size_t name_len = strlen(name);
	const char *line = text;

	while (line && *line) {
		if (strncmp(line, name, name_len) == 0 &&
		    (line[name_len] == ' ' || line[name_len] == ':' || line[name_len] == '\t')) {
			const char *colon = strchr(line, ':');

			if (!colon)
				return false;
			*value = strtoull(colon + 1, NULL, 10);
			return true;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return false;
}

void proc_stats_read(pid_t pid, pid_t tid, struct proc_sched_stats *out)
{
	char dir[64], path[96], *text;
	char line[1024];
	unsigned long long run, wait, slices;

	memset(out, 0, sizeof(*out));
	if (tid <= 0 || tid == pid)
		snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
	else
		snprintf(dir, sizeof(dir), "/proc/%d/task/%d", (int)pid, (int)tid);

	snprintf(path, sizeof(path), "%s/schedstat", dir);
	if (read_small_file(path, line, sizeof(line)) > 0 &&
	    sscanf(line, "%llu %llu %llu", &run, &wait, &slices) == 3) {
		out->have_schedstat = true;
		out->run_ns = run;
		out->wait_ns = wait;
		out->timeslices = slices;
	}

	/* The context switches too: nr_(in)voluntary_switches are the same
	 * counters /proc/.../status shows, and one file fewer to read matters
	 * under TCG, where the first read of each kind of file in a new QEMU
	 * costs 15-70 ms of code translation. */
	snprintf(path, sizeof(path), "%s/sched", dir);
	text = read_whole_file(path, NULL);
	if (text) {
		out->have_migrations = proc_stats_field(text, "se.nr_migrations", &out->migrations);
		proc_stats_field(text, "nr_voluntary_switches", &out->nvcsw);
		proc_stats_field(text, "nr_involuntary_switches", &out->nivcsw);
		free(text);
	}


}
