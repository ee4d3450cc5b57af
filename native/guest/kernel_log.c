#include "kernel_log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>

#include "log.h"

#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_SIZE_BUFFER 10

/* Skip the "<level>" prefix klogctl puts on each record. */
static char *strip_level(char *line)
{
	if (line[0] == '<') {
		char *close = strchr(line, '>');

		if (close && close - line <= 4)
			return close + 1;
	}
	return line;
}

/* Skip the "[    1.234567] " timestamp, for the single-line reason. */
static const char *strip_time(const char *line)
{
	if (line[0] == '[') {
		const char *close = strchr(line, ']');

		if (close) {
			close++;
			while (*close == ' ')
				close++;
			return close;
		}
	}
	return line;
}

static size_t count_lines(const char *text)
{
	size_t n = 1;

	for (; *text; text++)
		if (*text == '\n')
			n++;
	return n;
}

static bool is_disabled_line(const char *line)
{
	return strstr(line, "sched_ext") && strstr(line, "BPF scheduler") && strstr(line, "disabled");
}

void sched_ext_log_read(struct sched_ext_log *log)
{
	int size, len, n_lines = 0, first = -1, last_disabled = -1, start, reason_at = -1;
	char *buf, **lines = NULL, *p;

	memset(log, 0, sizeof(*log));
	size = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
	if (size <= 0)
		size = 1 << 20;
	buf = malloc((size_t)size + 1);
	if (!buf) {
		agent_log("out of memory reading the kernel log");
		goto out;
	}
	len = klogctl(SYSLOG_ACTION_READ_ALL, buf, size);
	if (len < 0) {
		agent_log("klogctl(SYSLOG_ACTION_READ_ALL): %s", strerror(errno));
		goto out;
	}
	buf[len] = '\0';
	lines = calloc(count_lines(buf), sizeof(*lines));
	if (!lines) {
		agent_log("out of memory reading the kernel log");
		goto out;
	}

	for (p = buf; *p;) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		lines[n_lines] = strip_level(p);
		if (first < 0 && strstr(lines[n_lines], "sched_ext"))
			first = n_lines;
		if (is_disabled_line(lines[n_lines]))
			last_disabled = n_lines;
		n_lines++;
		if (!nl)
			break;
		p = nl + 1;
	}
	if (first < 0)
		goto out;

	/* All lines from the first sched_ext line; if that is too many, start
	 * at the last "disabled" report, which is what explains the exit. */
	start = first;
	if (n_lines - first > KERNEL_LOG_MAX_LINES && last_disabled >= 0)
		start = last_disabled;
	for (int i = start; i < n_lines && log->n_lines < KERNEL_LOG_MAX_LINES; i++) {
		char *copy = strdup(lines[i]);

		if (copy)
			log->lines[log->n_lines++] = copy;
	}

	/* Reason: prefer the "sched_ext: NAME: why" line after "disabled". */
	if (last_disabled >= 0) {
		reason_at = last_disabled;
		for (int i = last_disabled + 1; i < n_lines && i <= last_disabled + 10; i++) {
			if (strstr(lines[i], "sched_ext: ") && !strstr(lines[i], "BPF scheduler")) {
				reason_at = i;
				break;
			}
		}
	} else {
		for (int i = n_lines - 1; i >= first; i--)
			if (strstr(lines[i], "sched_ext")) {
				reason_at = i;
				break;
			}
	}
	if (reason_at >= 0)
		snprintf(log->reason, sizeof(log->reason), "%s", strip_time(lines[reason_at]));
out:
	free(lines);
	free(buf);
}

void sched_ext_log_free(struct sched_ext_log *log)
{
	for (int i = 0; i < log->n_lines; i++)
		free(log->lines[i]);
	log->n_lines = 0;
}
