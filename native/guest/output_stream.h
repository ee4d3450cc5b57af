/* One output pipe of an exec cell's command, forwarded to the host as
 * `output` messages while the command runs (docs/guest-protocol.md). */
#ifndef KTSTR_OUTPUT_STREAM_H
#define KTSTR_OUTPUT_STREAM_H

#include <stdbool.h>
#include <stddef.h>

/* The most command output one `output` message carries. */
#define OUTPUT_CHUNK_BYTES (16 * 1024)

struct output_stream {
	int fd;           /* read end, non-blocking; -1 once closed */
	const char *name; /* "stdout" or "stderr": the message's "stream" */
	/* The start of a UTF-8 character whose remaining bytes have not been
	 * read yet; sent with the next chunk. */
	size_t held_len;
	char held[4];
};

/* Take over fd (the read end of a pipe). */
void output_stream_init(struct output_stream *o, int fd, const char *name);

bool output_stream_is_open(const struct output_stream *o);

/* Read what the pipe holds, a bounded amount per call so that a command
 * writing without pause cannot starve the rest of the agent, and send it.
 * At end of file, sends what is held back and closes the stream. */
void output_stream_pump(struct output_stream *o);

/* Send what is held back and close (the command is gone). */
void output_stream_close(struct output_stream *o);

#endif
