/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scx-ktstr: loader of the ktstr fixture sched_ext scheduler.
 *
 * Opens the BPF skeleton, writes the failure knobs into rodata, attaches the
 * struct_ops, then waits until the scheduler exits (on its own, by the
 * kernel, or because we got SIGINT/SIGTERM and detached). On exit it prints
 * the kernel's exit info (UEI) to stdout in a line format meant to be parsed
 * by tests:
 *
 *   scx-ktstr: attached ops=ktstr ...                 (once attached)
 *   scx-ktstr: stats enqueues=... dispatches=... ...  (-v, every second)
 *   scx-ktstr: exit kind=SCX_EXIT_ERROR_BPF(1025) code=0 cpu=1
 *   scx-ktstr: exit reason=scx_bpf_error
 *   scx-ktstr: exit msg=<message, may be empty>
 *   scx-ktstr: exit dump-begin                        (only when a dump exists)
 *   <dump text>
 *   scx-ktstr: exit dump-end
 *
 * Exit status: 0 for clean exits (unregistered from user space, from BPF or by
 * the kernel, sysrq), 2 for error exits (SCX_EXIT_ERROR*: scx_bpf_error(),
 * watchdog stall, runtime error), 1 for usage and setup failures.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <scx/common.h>
#include "scx_ktstr.bpf.skel.h"

/* Mirrored from scx_ktstr.bpf.c. */
#define KTSTR_COMM_LEN		16
#define MAX_DISPATCH_DELAY_US	10000

/*
 * The kernel rejects ops.timeout_ms above SCX_WATCHDOG_MAX_TIMEOUT (30 s),
 * which is also the default when timeout_ms is 0. The watchdog checks every
 * timeout/2, so a stall is reported between timeout and 1.5 x timeout after
 * the task became runnable.
 */
#define MAX_TIMEOUT_MS		30000

/* enum scx_exit_kind, which user space cannot get from vmlinux.h. */
#define EXIT_KIND_ERROR		1024

#define EXIT_OK			0
#define EXIT_SETUP		1
#define EXIT_SCHED_ERROR	2

#define POLL_INTERVAL_MS	50
#define STATS_INTERVAL_MS	1000

static const char help_fmt[] =
"ktstr fixture sched_ext scheduler.\n"
"\n"
"Usage: %s [options]\n"
"\n"
"  --error-after N        call scx_bpf_error() on the Nth enqueue\n"
"  --stall-comm NAME      never dispatch tasks whose comm is NAME, so the\n"
"                         watchdog reports a \"runnable task stall\"\n"
"  --timeout-ms T         watchdog timeout (ops.timeout_ms), 1..%d ms;\n"
"                         kernel default is %d ms\n"
"  --exit-after-ms T      exit cleanly (scx_bpf_exit) after T ms\n"
"  --dispatch-delay-us D  busy-wait D us (max %d) in every dispatch\n"
"                         decision (select_cpu and dispatch)\n"
"  --exit-dump-len BYTES  room for the kernel's debug dump on an error exit\n"
"                         (ops.exit_dump_len; kernel default 32768)\n"
"  --verifier-reject N    make ops.init() read N slots of an 8-slot map\n"
"                         value, so N > 8 is rejected by the verifier\n"
"                         (its log goes to stderr)\n"
"  -v, --verbose          print a stats line every second\n"
"      --libbpf-debug     print libbpf debug messages\n"
"  -h, --help             display this help and exit\n"
"\n"
"Prints the exit info on exit; exits 0 on clean exits, 2 on error exits\n"
"(scx_bpf_error, watchdog stall, ...), 1 on setup failures.\n";

struct config {
	uint64_t error_after;
	uint64_t exit_after_ms;
	uint64_t dispatch_delay_us;
	uint32_t timeout_ms;
	uint32_t verifier_reject;
	uint32_t exit_dump_len;
	char stall_comm[KTSTR_COMM_LEN];
	bool verbose;
	bool libbpf_debug;
};

static struct config cfg;
static volatile sig_atomic_t exit_req;

static int libbpf_print_fn(enum libbpf_print_level level, const char *format,
			   va_list args)
{
	if (level == LIBBPF_DEBUG && !cfg.libbpf_debug)
		return 0;
	return vfprintf(stderr, format, args);
}

static void on_signal(int sig)
{
	exit_req = 1;
}

static const char *exit_kind_name(int kind)
{
	switch (kind) {
	case 0:		return "SCX_EXIT_NONE";
	case 1:		return "SCX_EXIT_DONE";
	case 64:	return "SCX_EXIT_UNREG";
	case 65:	return "SCX_EXIT_UNREG_BPF";
	case 66:	return "SCX_EXIT_UNREG_KERN";
	case 67:	return "SCX_EXIT_SYSRQ";
	case 68:	return "SCX_EXIT_PARENT";
	case 1024:	return "SCX_EXIT_ERROR";
	case 1025:	return "SCX_EXIT_ERROR_BPF";
	case 1026:	return "SCX_EXIT_ERROR_STALL";
	default:	return "SCX_EXIT_UNKNOWN";
	}
}

static void usage(FILE *out, const char *prog)
{
	fprintf(out, help_fmt, prog, MAX_TIMEOUT_MS, MAX_TIMEOUT_MS,
		MAX_DISPATCH_DELAY_US);
}

static bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

enum {
	OPT_ERROR_AFTER = 256,
	OPT_STALL_COMM,
	OPT_TIMEOUT_MS,
	OPT_EXIT_AFTER_MS,
	OPT_DISPATCH_DELAY_US,
	OPT_VERIFIER_REJECT,
	OPT_EXIT_DUMP_LEN,
	OPT_LIBBPF_DEBUG,
};

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "error-after",	required_argument, NULL, OPT_ERROR_AFTER },
		{ "stall-comm",		required_argument, NULL, OPT_STALL_COMM },
		{ "timeout-ms",		required_argument, NULL, OPT_TIMEOUT_MS },
		{ "exit-after-ms",	required_argument, NULL, OPT_EXIT_AFTER_MS },
		{ "dispatch-delay-us",	required_argument, NULL, OPT_DISPATCH_DELAY_US },
		{ "verifier-reject",	required_argument, NULL, OPT_VERIFIER_REJECT },
		{ "exit-dump-len",	required_argument, NULL, OPT_EXIT_DUMP_LEN },
		{ "verbose",		no_argument,	   NULL, 'v' },
		{ "libbpf-debug",	no_argument,	   NULL, OPT_LIBBPF_DEBUG },
		{ "help",		no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prog = argv[0];
	uint64_t v;
	int opt, idx = 0;

	while ((opt = getopt_long(argc, argv, "vh", opts, &idx)) != -1) {
		switch (opt) {
		case OPT_ERROR_AFTER:
			if (!parse_u64(optarg, 1, UINT64_MAX, &cfg.error_after))
				goto bad;
			break;
		case OPT_STALL_COMM:
			if (!optarg[0])
				goto bad;
			/*
			 * The kernel keeps comm NUL-terminated in 16 bytes,
			 * so longer names are truncated there; match what the
			 * kernel will actually hold.
			 */
			if (strlen(optarg) >= KTSTR_COMM_LEN)
				fprintf(stderr, "scx-ktstr: --stall-comm truncated to %d chars like the kernel's comm\n",
					KTSTR_COMM_LEN - 1);
			snprintf(cfg.stall_comm, sizeof(cfg.stall_comm), "%s", optarg);
			break;
		case OPT_TIMEOUT_MS:
			if (!parse_u64(optarg, 1, MAX_TIMEOUT_MS, &v))
				goto bad;
			cfg.timeout_ms = v;
			break;
		case OPT_EXIT_AFTER_MS:
			/* bpf_timer_start() takes ns in a u64. */
			if (!parse_u64(optarg, 1, UINT64_MAX / 1000000, &cfg.exit_after_ms))
				goto bad;
			break;
		case OPT_DISPATCH_DELAY_US:
			if (!parse_u64(optarg, 0, MAX_DISPATCH_DELAY_US, &cfg.dispatch_delay_us))
				goto bad;
			break;
		case OPT_VERIFIER_REJECT:
			/* The loop must stay short enough to verify at all. */
			if (!parse_u64(optarg, 1, 64, &v))
				goto bad;
			cfg.verifier_reject = v;
			break;
		case OPT_EXIT_DUMP_LEN:
			/* The dump is one kernel allocation and one BPF data section. */
			if (!parse_u64(optarg, 1, 16u << 20, &v))
				goto bad;
			cfg.exit_dump_len = v;
			break;
		case 'v':
			cfg.verbose = true;
			break;
		case OPT_LIBBPF_DEBUG:
			cfg.libbpf_debug = true;
			break;
		case 'h':
			usage(stdout, prog);
			exit(EXIT_OK);
		default:
			usage(stderr, prog);
			exit(EXIT_SETUP);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "scx-ktstr: unexpected argument '%s'\n", argv[optind]);
		exit(EXIT_SETUP);
	}
	return;
bad:
	fprintf(stderr, "scx-ktstr: invalid value '%s' for --%s\n", optarg,
		opts[idx].name);
	exit(EXIT_SETUP);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	/* EINTR from our signal handlers just ends the nap early. */
	nanosleep(&ts, NULL);
}

static void print_stats(const struct scx_ktstr *skel)
{
	/* Racy snapshot of counters another CPU may be bumping; fine for stats. */
	printf("scx-ktstr: stats enqueues=%llu direct=%llu dispatches=%llu stalled=%llu delays=%llu delay_us=%llu\n",
	       (unsigned long long)skel->bss->nr_enqueued,
	       (unsigned long long)skel->bss->nr_direct,
	       (unsigned long long)skel->bss->nr_dispatched,
	       (unsigned long long)skel->bss->nr_stalled,
	       (unsigned long long)skel->bss->nr_delayed,
	       (unsigned long long)skel->bss->delayed_ns / 1000);
}

/*
 * Print the exit info the BPF side copied in ops.exit() and return the exit
 * code the kernel recorded (for the restart check). The format is parsed by
 * tests; keep it stable.
 */
static int64_t report_exit(const struct scx_ktstr *skel)
{
	const struct user_exit_info *uei = &skel->data->uei;
	const char *dump = skel->data_uei_dump->uei_dump;

	printf("scx-ktstr: exit kind=%s(%d) code=%lld cpu=%d\n",
	       exit_kind_name(uei->kind), uei->kind,
	       (long long)uei->exit_code, uei->exit_cpu);
	printf("scx-ktstr: exit reason=%s\n", uei->reason);
	printf("scx-ktstr: exit msg=%s\n", uei->msg);
	if (dump[0]) {
		printf("scx-ktstr: exit dump-begin\n");
		fputs(dump, stdout);
		if (dump[strlen(dump) - 1] != '\n')
			putchar('\n');
		printf("scx-ktstr: exit dump-end\n");
	}
	fflush(stdout);
	return uei->exit_code;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct scx_ktstr *skel;
	struct bpf_link *link;
	unsigned int since_stats;
	int64_t ecode;
	int kind;

	/* Output goes to pipes and serial consoles; never sit on a buffer. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	parse_args(argc, argv);
	libbpf_set_print(libbpf_print_fn);

	/* No SA_RESTART: a signal must cut the poll sleep short. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

restart:
	/* SCX_OPS_OPEN/LOAD/ATTACH print the cause and exit(1) on failure. */
	skel = SCX_OPS_OPEN(ktstr_ops, scx_ktstr);

	skel->rodata->error_after = cfg.error_after;
	skel->rodata->exit_after_ms = cfg.exit_after_ms;
	skel->rodata->dispatch_delay_us = cfg.dispatch_delay_us;
	skel->rodata->verifier_reject = cfg.verifier_reject;
	memcpy((char *)skel->rodata->stall_comm, cfg.stall_comm,
	       sizeof(cfg.stall_comm));
	skel->struct_ops.ktstr_ops->timeout_ms = cfg.timeout_ms;
	/* SCX_OPS_LOAD sizes the BPF side's dump buffer from this too. */
	skel->struct_ops.ktstr_ops->exit_dump_len = cfg.exit_dump_len;

	SCX_OPS_LOAD(skel, ktstr_ops, scx_ktstr, uei);
	link = SCX_OPS_ATTACH(skel, ktstr_ops, scx_ktstr);

	printf("scx-ktstr: attached ops=ktstr error_after=%llu stall_comm=%s timeout_ms=%u exit_after_ms=%llu dispatch_delay_us=%llu\n",
	       (unsigned long long)cfg.error_after,
	       cfg.stall_comm[0] ? cfg.stall_comm : "-",
	       cfg.timeout_ms ? cfg.timeout_ms : MAX_TIMEOUT_MS,
	       (unsigned long long)cfg.exit_after_ms,
	       (unsigned long long)cfg.dispatch_delay_us);

	/*
	 * Poll rather than sleep a full second so that an exit the kernel
	 * initiated (error, stall, BPF exit) is reported promptly.
	 */
	since_stats = 0;
	while (!exit_req && !UEI_EXITED(skel, uei)) {
		sleep_ms(POLL_INTERVAL_MS);
		since_stats += POLL_INTERVAL_MS;
		if (cfg.verbose && since_stats >= STATS_INTERVAL_MS) {
			print_stats(skel);
			since_stats = 0;
		}
	}

	if (exit_req && !UEI_EXITED(skel, uei))
		printf("scx-ktstr: signal received, detaching\n");

	/*
	 * Destroying the link unregisters the scheduler if it is still
	 * running and waits for ops.exit(), so the exit info is complete
	 * afterwards in every case.
	 */
	bpf_link__destroy(link);
	if (cfg.verbose)
		print_stats(skel);
	ecode = report_exit(skel);
	kind = skel->data->uei.kind;
	scx_ktstr__destroy(skel);

	/* CPU hotplug makes the kernel ask for a reload with fresh topology. */
	if (UEI_ECODE_RESTART(ecode) && !exit_req) {
		printf("scx-ktstr: kernel requested restart, reloading\n");
		goto restart;
	}

	return kind >= EXIT_KIND_ERROR ? EXIT_SCHED_ERROR : EXIT_OK;
}
