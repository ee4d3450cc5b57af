/* Diagnostics for humans, written to the console (stderr = /dev/console).
 * The console is saved with the cell's results but never parsed: anything
 * the host must understand goes through the channel as a message. */
#ifndef KTSTR_LOG_H
#define KTSTR_LOG_H

void agent_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
