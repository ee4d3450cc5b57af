/* Guest -> host messages ('J' frames): every message is one JSON object with
 * "type" and "t_ms" first. The message catalogue is docs/guest-protocol.md. */
#ifndef KTSTR_MESSAGES_H
#define KTSTR_MESSAGES_H

#include <stdbool.h>

#include "cell_config.h"
#include "json.h"
#include "workers.h"

/* Start a message: json_init + "{"type":...,"t_ms":...". */
void msg_begin(struct json *j, const char *type);

/* Close the object, send it and free j. Returns false when it could not be
 * sent (the channel is gone or the JSON could not be built). */
bool msg_send(struct json *j);

/* `error`: the agent itself could not do something. Also logged to the
 * console, so it is visible even when the channel is the thing that failed. */
void msg_error(const char *what, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* `done`, the last message. shutdown says the host's 'S' cut the run short. */
void msg_done(bool ok, bool shutdown);

/* `event`: one op applied (error NULL) or failed, with the cumulative
 * iterations of every running worker. */
void msg_event(int step, const struct cell *cell, const struct cell_op *op, const char *error,
	       struct workers *w);

/* `step` start, and end with the state of every running worker. */
void msg_step_start(int index, const char *name);
void msg_step_end(int index, const char *name, struct workers *w);

/* `worker`: one worker's final report. */
void msg_worker(const struct worker_state *s);

#endif
