#include "phases.h"

#include <stdbool.h>

#include "clock.h"

/* A ring: a long session (or one restored from a snapshot, whose marks from
 * before the snapshot are still here) keeps its latest PHASES_MAX. */
static struct {
	const char *name;
	uint64_t us;
} marks[PHASES_MAX];
static unsigned long n_marks;
static bool enabled;

void phases_enable(void)
{
	enabled = true;
}

void phase_mark(const char *name)
{
	unsigned long i;

	if (!enabled)
		return;
	i = n_marks++ % PHASES_MAX;
	marks[i].name = name;
	/* On the clock of every message's t_ms (clock_agent_ms), finer. */
	marks[i].us = clock_agent_us();
}

void phases_append(struct json *j)
{
	unsigned long first = n_marks > PHASES_MAX ? n_marks - PHASES_MAX : 0;

	if (!enabled)
		return;
	json_key(j, "phases");
	json_array_begin(j);
	for (unsigned long k = first; k < n_marks; k++) {
		json_array_begin(j);
		json_string(j, marks[k % PHASES_MAX].name);
		json_uint(j, marks[k % PHASES_MAX].us);
		json_array_end(j);
	}
	json_array_end(j);
}
