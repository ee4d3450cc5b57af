/* Where the agent's time goes in one session: named moments (microseconds
 * since the agent started), sent with `done` as "phases" for the host's
 * start-up/shutdown breakdown (bench/gauntlet.ts phases). Recording one costs
 * a clock read; the latest PHASES_MAX are kept. */
#ifndef KTSTR_PHASES_H
#define KTSTR_PHASES_H

#include "json.h"

#define PHASES_MAX 64

/* Start recording (a session with a host; a --run-cell run's `done` stays
 * as it was). */
void phases_enable(void);

/* Note that `name` (a string literal: it is kept, not copied) happened now. */
void phase_mark(const char *name);

/* Append "phases":[["name",us],...] to an open message object, when
 * recording. */
void phases_append(struct json *j);

#endif
