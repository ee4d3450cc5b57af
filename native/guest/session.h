/* One run of the host-guest protocol, from `hello` to `done`
 * (docs/guest-protocol.md). */
#ifndef KTSTR_SESSION_H
#define KTSTR_SESSION_H

/* Run the session over the already open channel. Always ends by sending
 * `done` (when the channel still works); the caller then powers off. */
void session_run(void);

#endif
