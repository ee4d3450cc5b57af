/* The kernel's sched_ext exit dump, straight from the kernel.
 *
 * On an error exit the kernel writes a debug dump (scx_dump_state in
 * kernel/sched/ext.c) into the scheduler's exit info, where only the loader
 * can print it, cut at ops.exit_dump_len; and it emits every line of it as the
 * trace event sched_ext:sched_ext_dump. With that event enabled, the agent has
 * the whole dump whatever the loader does with its copy (a loader that does
 * not print it, one that died first, a small exit_dump_len). */
#ifndef KTSTR_EXIT_DUMP_TRACE_H
#define KTSTR_EXIT_DUMP_TRACE_H

#include <stddef.h>

/* Per-CPU trace buffer for the dump: all of a dump's lines are emitted on one
 * CPU, and this holds more than the 128 KiB ktstr asks loaders for. */
#define EXIT_DUMP_TRACE_BUFFER_KB 512
/* At most this much of the dump is sent. */
#define EXIT_DUMP_TRACE_MAX_BYTES (256u * 1024)

/* Empties the trace buffer and enables the event (before a scheduler starts).
 * Returns 0, or -errno (no tracefs, a kernel without the event): then the
 * dump comes only from the loader's output. */
int exit_dump_trace_arm(void);

/* The dump lines recorded since exit_dump_trace_arm(), joined by newlines, in
 * a malloc'd buffer; NULL when there are none. */
char *exit_dump_trace_read(size_t *len_out);

#endif
