#include "exit_dump_trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file_io.h"
#include "log.h"

#define TRACING "/sys/kernel/tracing"
#define EVENT_ENABLE TRACING "/events/sched_ext/sched_ext_dump/enable"
#define EVENT_MARK "sched_ext_dump: "

static int armed;

int exit_dump_trace_arm(void)
{
	char kb[16];
	int err, fd;

	/* Sized before the event expands the buffer to the kernel's default
	 * (1.4 MB per CPU), which a small guest with many CPUs would miss. */
	snprintf(kb, sizeof(kb), "%d", EXIT_DUMP_TRACE_BUFFER_KB);
	if (!armed)
		write_string(TRACING "/buffer_size_kb", kb);
	/* Opening `trace` for writing with O_TRUNC empties the buffer: a dump
	 * read later is this scheduler's. */
	fd = open(TRACING "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	err = write_string(EVENT_ENABLE, "1");
	if (err) {
		if (!armed)
			agent_log("the kernel's exit dump trace event is not available (%s): "
				  "the dump comes from the scheduler's output only", strerror(-err));
		return err;
	}
	armed = 1;
	return 0;
}

char *exit_dump_trace_read(size_t *len_out)
{
	size_t len = 0, out_len = 0;
	char *text, *out, *p;

	*len_out = 0;
	if (!armed)
		return NULL;
	text = read_whole_file(TRACING "/trace", &len);
	if (!text)
		return NULL;
	out = malloc(len + 1);
	if (!out) {
		free(text);
		return NULL;
	}
	/* "  kworker/u8:0-12 [001] d..2. 18.1: sched_ext_dump: <line>" */
	for (p = text; *p;) {
		char *nl = strchr(p, '\n');
		char *at;

		if (nl)
			*nl = '\0';
		at = p[0] == '#' ? NULL : strstr(p, EVENT_MARK);
		if (at) {
			size_t n = strlen(at + strlen(EVENT_MARK));

			if (out_len + n + 1 > EXIT_DUMP_TRACE_MAX_BYTES)
				break;
			memcpy(out + out_len, at + strlen(EVENT_MARK), n);
			out_len += n;
			out[out_len++] = '\n';
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	free(text);
	if (out_len == 0) {
		free(out);
		return NULL;
	}
	out[out_len] = '\0';
	*len_out = out_len;
	return out;
}
