// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr-probe - auto-repro's probe loader. It stands in for the scheduler:
 * the host runs it as the cell's scheduler command with the real scheduler
 * after `--`, so the guest agent starts, watches and stops it exactly as it
 * would the scheduler, and what it prints reaches the host with the
 * scheduler's output.
 *
 *   ktstr-probe [--site SPEC]... [--ops-wait-ms N] -- SCHEDULER [ARGS...]
 *
 * SPEC is KIND:NAME:NARGS[:ARG.OFFSET]... with KIND `k` (a kernel function,
 * kprobe) or `o` (a struct_ops callback: fentry on the scheduler's BPF
 * program of that name), NARGS the number of arguments to record (<= 6),
 * and up to 4 reads of 16 bytes at argument ARG + OFFSET (decimal). Sites
 * are numbered in the order given.
 *
 * Arguments before `--` that are not ktstr-probe's own (the cell's
 * `--exit-dump-len N`, which the host puts first) are passed to the
 * scheduler, in order, ahead of its arguments after `--`.
 *
 * Order of events: kernel-function probes are attached first, then the
 * scheduler is started; the callbacks are attached as soon as the
 * scheduler's programs appear (at most --ops-wait-ms, default 10000, after
 * its start: a crash earlier than that is seen by the kernel-function sites
 * only). When the scheduler exits (the BPF side's trigger fires), the calls
 * recorded before the exit are printed as JSON lines between
 *
 *   ktstr-probe: report-begin
 *   ktstr-probe: report-end
 *
 * Then it waits for the scheduler and exits with its status (128 + signal
 * when it was killed). Lines it prints on the way start `ktstr-probe: `;
 * exit status 1 means the probes could not be set up (the scheduler is not
 * started then).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ktstr_probe.bpf.skel.h"

/* Mirrored by ktstr_probe.bpf.c. */
#define MAX_SITES	16
#define MAX_CPUS	64
#define RING_LEN	8
#define MAX_ARGS	6
#define MAX_READS	4
#define READ_BYTES	16
#define OPS_SLOTS	4

struct site_cfg {
	__u32 nargs;
	__u32 nreads;
	struct {
		__u32 arg;
		__u32 off;
	} reads[MAX_READS];
};

struct event {
	__u64 ts;
	__u32 site;
	__u32 cpu;
	__u32 pid;
	__u32 ok;
	char comm[16];
	__u64 args[MAX_ARGS];
	__u8 reads[MAX_READS][READ_BYTES];
};

struct ring {
	__u64 head;
	struct event ev[RING_LEN];
};

struct site {
	char kind;
	char name[128];
	struct site_cfg cfg;
	bool attached;
};

static struct site sites[MAX_SITES];
static int nsites;
static volatile sig_atomic_t interrupted;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("ktstr-probe: ", stdout);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static int usage(const char *why)
{
	fprintf(stderr, "ktstr-probe: %s\nusage: ktstr-probe [--site k|o:NAME:NARGS[:ARG.OFFSET]...]... [--ops-wait-ms N] [SCHEDULER-OPTIONS] -- SCHEDULER [ARGS...]\n", why);
	return 1;
}

static int parse_site(char *spec)
{
	struct site *s;
	char *tok, *save = NULL;
	int field = 0;

	if (nsites >= MAX_SITES)
		return -E2BIG;
	s = &sites[nsites];
	for (tok = strtok_r(spec, ":", &save); tok; tok = strtok_r(NULL, ":", &save), field++) {
		if (field == 0) {
			if (strcmp(tok, "k") && strcmp(tok, "o"))
				return -EINVAL;
			s->kind = tok[0];
		} else if (field == 1) {
			snprintf(s->name, sizeof(s->name), "%s", tok);
		} else if (field == 2) {
			s->cfg.nargs = (__u32)strtoul(tok, NULL, 10);
			if (s->cfg.nargs > MAX_ARGS)
				return -EINVAL;
		} else {
			unsigned arg, off;

			if (s->cfg.nreads >= MAX_READS || sscanf(tok, "%u.%u", &arg, &off) != 2 || arg >= MAX_ARGS)
				return -EINVAL;
			s->cfg.reads[s->cfg.nreads].arg = arg;
			s->cfg.reads[s->cfg.nreads].off = off;
			s->cfg.nreads++;
		}
	}
	if (field < 3 || !s->name[0])
		return -EINVAL;
	nsites++;
	return 0;
}

static void on_signal(int sig)
{
	interrupted = sig;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The fd of the loaded BPF program whose (kernel-truncated) name is @name, or -1. */
static int find_prog(const char *name)
{
	__u32 id = 0;

	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_prog_get_info_by_fd(fd, &info, &len) && info.type == BPF_PROG_TYPE_STRUCT_OPS &&
		    !strncmp(info.name, name, sizeof(info.name) - 1))
			return fd;
		close(fd);
	}
	return -1;
}

/*
 * The struct_ops callbacks: a second instance of the same object, sharing
 * the first one's maps, with one fentry slot per callback aimed at the
 * scheduler's program. Returns the number attached.
 */
static int attach_ops(struct ktstr_probe_bpf *main_skel, struct ktstr_probe_bpf **out, long wait_ms)
{
	struct bpf_program *slots[OPS_SLOTS];
	struct ktstr_probe_bpf *skel;
	struct bpf_program *prog;
	struct bpf_map *map;
	int fds[MAX_SITES], want = 0, found = 0, slot = 0, attached = 0, i;
	long start = now_ms();

	for (i = 0; i < nsites; i++) {
		fds[i] = -1;
		want += sites[i].kind == 'o';
	}
	if (!want)
		return 0;
	while (found < want && now_ms() - start < wait_ms && !interrupted) {
		for (i = 0; i < nsites; i++) {
			if (sites[i].kind != 'o' || fds[i] >= 0)
				continue;
			fds[i] = find_prog(sites[i].name);
			found += fds[i] >= 0;
		}
		if (found < want)
			usleep(2000);
	}
	skel = ktstr_probe_bpf__open();
	if (!skel)
		return -errno;
	slots[0] = skel->progs.ops0;
	slots[1] = skel->progs.ops1;
	slots[2] = skel->progs.ops2;
	slots[3] = skel->progs.ops3;
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	bpf_object__for_each_map(map, skel->obj) {
		struct bpf_map *same = bpf_object__find_map_by_name(main_skel->obj, bpf_map__name(map));

		if (same && bpf_map__reuse_fd(map, bpf_map__fd(same)))
			say("map %s not shared with the callback probes", bpf_map__name(map));
	}
	for (i = 0; i < nsites; i++) {
		if (sites[i].kind != 'o')
			continue;
		if (fds[i] < 0) {
			say("site %d o:%s not attached: no struct_ops program of that name within %ld ms", i, sites[i].name, wait_ms);
			continue;
		}
		if (slot >= OPS_SLOTS) {
			say("site %d o:%s not attached: only %d callbacks are probed", i, sites[i].name, OPS_SLOTS);
			continue;
		}
		bpf_program__set_autoload(slots[slot], true);
		if (bpf_program__set_attach_target(slots[slot], fds[i], sites[i].name)) {
			say("site %d o:%s not attached: set_attach_target: %s", i, sites[i].name, strerror(errno));
			bpf_program__set_autoload(slots[slot], false);
			continue;
		}
		main_skel->bss->ops_site[slot] = i;
		slot++;
	}
	if (slot == 0 || ktstr_probe_bpf__load(skel)) {
		if (slot)
			say("callback probes not loaded: %s", strerror(errno));
		ktstr_probe_bpf__destroy(skel);
		return 0;
	}
	for (i = 0, slot = 0; i < nsites; i++) {
		if (sites[i].kind != 'o' || fds[i] < 0 || slot >= OPS_SLOTS)
			continue;
		if (!bpf_program__attach(slots[slot]))
			say("site %d o:%s not attached: %s", i, sites[i].name, strerror(errno));
		else {
			sites[i].attached = true;
			attached++;
			say("site %d o:%s attached %ld ms after the scheduler started", i, sites[i].name, now_ms() - start);
		}
		slot++;
	}
	for (i = 0; i < nsites; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	*out = skel;
	return attached;
}

static void print_hex(const __u8 *b, int n)
{
	for (int i = 0; i < n; i++)
		printf("%02x", b[i]);
}

static void print_json_string(const char *s, int max)
{
	putchar('"');
	for (int i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Every recorded call as one JSON line (the host orders them by time). */
static void report(struct ktstr_probe_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.rings);
	struct ring r;

	say("report-begin");
	printf("{\"fired_ns\":%llu,\"fired_cpu\":%u,\"fired_kind\":%d,\"fired_by\":%u}\n",
	       (unsigned long long)skel->bss->fired_ns, skel->bss->fired_cpu,
	       skel->bss->fired_kind, skel->bss->fired_by);
	for (__u32 key = 0; key < MAX_SITES * MAX_CPUS; key++) {
		if (key / MAX_CPUS >= (__u32)nsites || bpf_map_lookup_elem(fd, &key, &r))
			continue;
		for (__u64 i = r.head > RING_LEN ? r.head - RING_LEN : 0; i < r.head; i++) {
			const struct event *e = &r.ev[i & (RING_LEN - 1)];

			printf("{\"site\":%u,\"ts\":%llu,\"cpu\":%u,\"pid\":%u,\"comm\":",
			       e->site, (unsigned long long)e->ts, e->cpu, e->pid);
			print_json_string(e->comm, sizeof(e->comm));
			printf(",\"args\":[");
			for (int a = 0; a < MAX_ARGS; a++)
				printf("%s\"%llx\"", a ? "," : "", (unsigned long long)e->args[a]);
			printf("],\"reads\":[");
			for (int k = 0; k < MAX_READS; k++) {
				printf("%s", k ? "," : "");
				if (e->ok & (1u << k)) {
					putchar('"');
					print_hex(e->reads[k], READ_BYTES);
					putchar('"');
				} else {
					printf("null");
				}
			}
			printf("]}\n");
		}
	}
	say("report-end");
}

int main(int argc, char **argv)
{
	struct ktstr_probe_bpf *skel, *ops_skel = NULL;
	long ops_wait_ms = 10000;
	char **passed = calloc((size_t)argc, sizeof(char *)), **sched_argv;
	int npassed = 0;
	int i, status = 0, attached = 0;
	bool reported = false, forwarded = false;
	pid_t child;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--site") && i + 1 < argc) {
			if (parse_site(argv[++i]))
				return usage("bad --site (k|o:NAME:NARGS[:ARG.OFFSET]..., at most 16 sites, 6 arguments, 4 reads)");
		} else if (!strcmp(argv[i], "--ops-wait-ms") && i + 1 < argc) {
			ops_wait_ms = strtol(argv[++i], NULL, 10);
		} else {
			passed[npassed++] = argv[i];
		}
	}
	if (i + 1 >= argc)
		return usage("no scheduler after --");
	sched_argv = calloc((size_t)(argc - i - 1 + npassed + 1), sizeof(char *));
	if (!sched_argv)
		return 1;
	sched_argv[0] = argv[i + 1];
	for (int k = 0; k < npassed; k++)
		sched_argv[1 + k] = passed[k];
	for (int k = i + 2; k < argc; k++)
		sched_argv[npassed + k - i - 1] = argv[k];
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	skel = ktstr_probe_bpf__open();
	if (!skel) {
		say("open failed: %s", strerror(errno));
		return 1;
	}
	bpf_program__set_autoload(skel->progs.ops0, false);
	bpf_program__set_autoload(skel->progs.ops1, false);
	bpf_program__set_autoload(skel->progs.ops2, false);
	bpf_program__set_autoload(skel->progs.ops3, false);
	if (ktstr_probe_bpf__load(skel)) {
		say("load failed: %s", strerror(errno));
		return 1;
	}
	for (i = 0; i < nsites; i++) {
		__u32 key = i;

		bpf_map_update_elem(bpf_map__fd(skel->maps.sites), &key, &sites[i].cfg, BPF_ANY);
	}
	if (!bpf_program__attach(skel->progs.on_scx_vexit))
		say("trigger fentry/scx_vexit not attached: %s", strerror(errno));
	if (!bpf_program__attach(skel->progs.on_sched_ext_dump))
		say("trigger tp_btf/sched_ext_dump not attached: %s", strerror(errno));
	for (i = 0; i < nsites; i++) {
		LIBBPF_OPTS(bpf_kprobe_opts, opts, .bpf_cookie = (__u64)i);

		if (sites[i].kind != 'k')
			continue;
		if (!bpf_program__attach_kprobe_opts(skel->progs.on_kprobe, sites[i].name, &opts)) {
			say("site %d k:%s not attached: %s", i, sites[i].name, strerror(errno));
			continue;
		}
		sites[i].attached = true;
		attached++;
		say("site %d k:%s attached", i, sites[i].name);
	}
	say("ready: %d kernel sites attached", attached);

	child = fork();
	if (child < 0) {
		say("fork: %s", strerror(errno));
		return 1;
	}
	if (child == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execv(sched_argv[0], sched_argv);
		fprintf(stderr, "ktstr-probe: exec %s: %s\n", sched_argv[0], strerror(errno));
		_exit(127);
	}
	attach_ops(skel, &ops_skel, ops_wait_ms);

	for (;;) {
		pid_t w = waitpid(child, &status, WNOHANG);

		if (!reported && skel->bss->fired_ns) {
			/* Let calls in flight on other CPUs land in their rings. */
			usleep(20000);
			report(skel);
			reported = true;
		}
		if (w == child)
			break;
		if (interrupted && !forwarded) {
			kill(child, interrupted);
			forwarded = true;
		}
		usleep(5000);
	}
	if (!reported)
		say("the scheduler exited without a sched_ext exit; nothing to report");
	ktstr_probe_bpf__destroy(ops_skel);
	ktstr_probe_bpf__destroy(skel);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
