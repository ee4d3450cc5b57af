/* ktstr-guest: the agent that runs as /init (PID 1) in every test VM.
 *
 * It mounts what the kernel needs, connects to the host over the virtio port
 * ktstr.0, reports the CPU topology, loads the cell (what to run), starts the
 * scheduler under test, runs the workers (or the cell's command or shell)
 * and reports what happened, then powers the VM off. The protocol is docs/guest-protocol.md.
 *
 * Outside a VM it offers --check-cell, to validate a cell file,
 * --work-loop, to run one worker of a work type in the calling process, and
 * --run-cell, to run a cell on the machine it is on (bare metal, or a VM
 * that has its own init): the messages go to stdout as JSON lines. */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cell_config.h"
#include "channel.h"
#include "clock.h"
#include "file_io.h"
#include "log.h"
#include "pid1.h"
#include "session.h"
#include "work/work_loop.h"

/* The device announces its port shortly after boot, or never. */
#define CHANNEL_FIND_MS 10000
/* How long the host may take to connect to the port after we found it. */
#define CHANNEL_CONNECT_MS 60000

static int check_cell(const char *path)
{
	char problem[512];
	struct cell cell;
	size_t len;
	char *text = read_whole_file(path, &len);

	if (!text) {
		perror(path);
		return 2;
	}
	if (cell_parse(text, len, &cell, problem, sizeof(problem)) != 0) {
		printf("invalid: %s\n", problem);
		free(text);
		return 1;
	}
	cell_describe(stdout, &cell);
	cell_free(&cell);
	free(text);
	return 0;
}

/* The run without a host: the cell from a file, no gate, messages on stdout,
 * the console log on stderr. Exit 0 when it got as far as `done` (its `ok`
 * is the run's verdict), 2 when it could not start. */
static int run_cell(const char *path)
{
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "ktstr-guest --run-cell: %s: %s\n", path, strerror(errno));
		return 2;
	}
	agent_process_setup();
	channel_open_stdout(STDOUT_FILENO);
	session_run(path);
	return 0;
}

int main(int argc, char **argv)
{
	clock_mark_agent_start();

	if (argc == 3 && strcmp(argv[1], "--check-cell") == 0)
		return check_cell(argv[2]);
	if (argc == 3 && strcmp(argv[1], "--run-cell") == 0)
		return run_cell(argv[2]);
	if (argc >= 2 && strcmp(argv[1], "--work-loop") == 0)
		return work_loop_main(argc - 2, argv + 2);
	if (getpid() != 1) {
		fprintf(stderr,
			"usage: ktstr-guest            (as /init, PID 1, inside a ktstr VM)\n"
			"       ktstr-guest --check-cell FILE\n"
			"       ktstr-guest --run-cell FILE   (as root; JSON messages on stdout)\n"
			"       ktstr-guest --work-loop TYPE DURATION_MS [name=value ...]\n");
		return 2;
	}

	pid1_setup();
	agent_log("started");
	if (channel_open(CHANNEL_FIND_MS, CHANNEL_CONNECT_MS) == 0)
		session_run(NULL);
	else
		agent_log("no channel to the host; powering off");
	pid1_power_off();
}
