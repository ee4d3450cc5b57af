/* Guest -> host messages ('J' frames): every message is one JSON object with
 * "type" and "t_ms" first. The message catalogue is docs/guest-protocol.md. */
#ifndef KTSTR_MESSAGES_H
#define KTSTR_MESSAGES_H

#include <stdbool.h>

#include "json.h"

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

#endif
