/* ktstr-guest: the agent that runs as /init (PID 1) in every test VM.
 *
 * It mounts what the kernel needs, connects to the host over the virtio port
 * ktstr.0, reports the CPU topology, loads the cell (what to run), starts the
 * scheduler under test, runs the workers (or the cell's command or shell)
 * and reports what happened, then powers the VM off. The protocol is docs/guest-protocol.md.
 *
 * Outside a VM it only offers --check-cell, to validate a cell file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cell_config.h"
#include "channel.h"
#include "clock.h"
#include "file_io.h"
#include "log.h"
#include "pid1.h"
#include "session.h"

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
	printf("ok: scheduler %s (%d args), timeout %ld ms, hold %ld ms, settle %ld ms\n",
	       cell.has_scheduler ? cell.scheduler : "(none: EEVDF)", cell.n_sched_args,
	       cell.sched_timeout_ms, cell.duration_ms, cell.settle_ms);
	for (int i = 0; i < cell.n_cgroups; i++) {
		const struct cell_cgroup *cg = &cell.cgroups[i];

		printf("  cgroup %s: %d x %s cpuset=%s comm=%s nice=%d"
		       " spin_iters=%lld burst_us=%lld sleep_us=%lld\n",
		       cg->name, cg->workers, work_kind_name(cg->work),
		       cg->has_cpuset ? cg->cpuset : "-", cg->has_comm ? cg->comm : "-",
		       cg->has_nice ? cg->nice : 0, cg->params.spin_iters, cg->params.burst_us,
		       cg->params.sleep_us);
	}
	if (cell.mode == CELL_MODE_EXEC)
		printf("  exec: %s\n", cell.exec_command);
	else if (cell.mode == CELL_MODE_SHELL)
		printf("  shell: TERM=%s\n", cell.has_term ? cell.term : "(default)");
	cell_free(&cell);
	free(text);
	return 0;
}

int main(int argc, char **argv)
{
	clock_mark_agent_start();

	if (argc == 3 && strcmp(argv[1], "--check-cell") == 0)
		return check_cell(argv[2]);
	if (getpid() != 1) {
		fprintf(stderr,
			"usage: ktstr-guest            (as /init, PID 1, inside a ktstr VM)\n"
			"       ktstr-guest --check-cell FILE\n");
		return 2;
	}

	pid1_setup();
	agent_log("started");
	if (channel_open(CHANNEL_FIND_MS, CHANNEL_CONNECT_MS) == 0)
		session_run();
	else
		agent_log("no channel to the host; powering off");
	pid1_power_off();
}
