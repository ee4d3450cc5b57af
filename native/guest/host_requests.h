/* The host's request frames: 'F' put file, 'L' symlink, 'R' reseed entropy,
 * 'T' set the wall clock and 'P' ping (docs/guest-protocol.md, "Request
 * frames"). They carry what varies per cell when a guest is restored from a
 * snapshot, so they are accepted whenever the agent reads the channel, above
 * all while it waits for the cell.
 *
 * A request that fails sends an `error` at once and is remembered: a cell
 * that arrives after it is refused, and a run during which one failed ends
 * with `done` ok:false. The guest is then not in the state the host asked
 * for, so nothing that runs in it would mean what the host thinks. */
#ifndef KTSTR_HOST_REQUESTS_H
#define KTSTR_HOST_REQUESTS_H

#include <stdbool.h>
#include <stdint.h>

#include "channel.h"

/* Whether kind is one of the request frames. */
bool host_request_is(uint8_t kind);

/* Carry out one request frame and send its reply (`pong`) or `error`. */
void host_request_handle(const struct frame *f);

/* The first request that failed ("" when none did), for the console. */
const char *host_requests_failure(void);

bool host_requests_failed(void);

#endif
