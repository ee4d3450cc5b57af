#include "proc_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_io.h"

/* /proc/PID/sched is a "name : value" table; fetch one named value. */
static bool sched_field(const char *text, const char *name, uint64_t *value)
{
	size_t name_len = strlen(name);
	const char *line = text;

	while (line && *line) {
		if (strncmp(line, name, name_len) == 0 &&
		    (line[name_len] == ' ' || line[name_len] == ':')) {
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

void proc_stats_read(pid_t pid, struct proc_sched_stats *out)
{
	char path[64], *text;
	char line[256];
	unsigned long long run, wait, slices;

	memset(out, 0, sizeof(*out));

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if (read_small_file(path, line, sizeof(line)) > 0 &&
	    sscanf(line, "%llu %llu %llu", &run, &wait, &slices) == 3) {
		out->have_schedstat = true;
		out->run_ns = run;
		out->wait_ns = wait;
		out->timeslices = slices;
	}

	snprintf(path, sizeof(path), "/proc/%d/sched", (int)pid);
	text = read_whole_file(path, NULL);
	if (text) {
		out->have_migrations = sched_field(text, "se.nr_migrations", &out->migrations);
		free(text);
	}
}
