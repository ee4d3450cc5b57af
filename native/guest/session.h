/* One run of the host-guest protocol, from `hello` to `done`
 * (docs/guest-protocol.md). */
#ifndef KTSTR_SESSION_H
#define KTSTR_SESSION_H

/* Run the session over the already open channel. Always ends by sending
 * `done` (when the channel still works); the caller then powers off.
 * cell_path NULL: the cell is /ktstr/cell.conf or the host's 'C' frame, and
 * the steps wait for the host's 'G'. Else (--run-cell, channel_open_stdout)
 * the cell is that file and runs at once. */
void session_run(const char *cell_path);

#endif
