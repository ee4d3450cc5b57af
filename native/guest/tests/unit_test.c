/* Host-side unit checks of the parts of the agent that need no VM: the JSON
 * emitter (and its UTF-8 helpers), base64, the cpulist parser, the latency
 * histogram, the payloads of the request frames, placing files (in a
 * temporary directory), what the cell parser makes of a scenario (the
 * error messages are checked by tests/check-cells.sh), the /proc
 * parsers and the per-step attribution of a worker's CPUs. Run by
 * `make check`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base64.h"
#include "../cell_config.h"
#include "../cpulist.h"
#include "../file_io.h"
#include "../frame_payload.h"
#include "../guest_files.h"
#include "../iteration_end.h"
#include "../json.h"
#include "../latency_hist.h"
#include "../proc_stats.h"

static int failures;

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,   \
				__LINE__, #cond);                                \
			failures++;                                              \
		}                                                                \
	} while (0)

/* RFC 4648, section 10, plus bytes that are not text. */
static void test_base64(void)
{
	static const struct { const char *in, *out; } vectors[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	const unsigned char bin[] = { 0x00, 0xff, 0xfe, 0x80, 0x3f };
	char out[32];

	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		size_t n = strlen(vectors[i].in);

		CHECK(base64_encoded_len(n) == strlen(vectors[i].out) + 1);
		base64_encode((const unsigned char *)vectors[i].in, n, out);
		CHECK(strcmp(out, vectors[i].out) == 0);
	}
	base64_encode(bin, sizeof(bin), out);
	CHECK(strcmp(out, "AP/+gD8=") == 0);
}

static void test_json(void)
{
	static const char raw[] = "q\"b\\n\n\t\x01\x7f \xc3\xa9 \xff \xe2\x82";
	struct json j;

	json_init(&j);
	json_object_begin(&j);
	json_kv_string(&j, "s", "plain");
	json_key(&j, "a");
	json_array_begin(&j);
	json_int(&j, -1);
	json_uint(&j, 2);
	json_null(&j);
	json_object_begin(&j);
	json_object_end(&j);
	json_array_end(&j);
	json_kv_bool(&j, "t", true);
	json_key(&j, "raw");
	json_string_n(&j, raw, sizeof(raw) - 1);
	json_object_end(&j);
	CHECK(!j.failed);
	CHECK(strcmp(j.buf, "{\"s\":\"plain\",\"a\":[-1,2,null,{}],\"t\":true,"
			    "\"raw\":\"q\\\"b\\\\n\\n\\t\\u0001\\u007f \xc3\xa9 \\ufffd "
			    "\\ufffd\\ufffd\"}") == 0);
	if (failures)
		fprintf(stderr, "json was: %s\n", j.buf);
	json_free(&j);
}

static void test_utf8_tail(void)
{
	/* Complete text: nothing to hold back. */
	CHECK(json_utf8_incomplete_tail("", 0) == 0);
	CHECK(json_utf8_incomplete_tail("abc", 3) == 0);
	CHECK(json_utf8_incomplete_tail("a\xc3\xa9", 3) == 0);
	CHECK(json_utf8_incomplete_tail("\xe2\x82\xac", 3) == 0);
	CHECK(json_utf8_incomplete_tail("\xf0\x9f\x98\x80", 4) == 0);
	/* A character cut after 1, 2 or 3 of its bytes. */
	CHECK(json_utf8_incomplete_tail("a\xc3", 2) == 1);
	CHECK(json_utf8_incomplete_tail("a\xe2\x82", 3) == 2);
	CHECK(json_utf8_incomplete_tail("\xf0\x9f\x98", 3) == 3);
	CHECK(json_utf8_incomplete_tail("\xf0", 1) == 1);
	/* Bytes that can never complete: left for the U+FFFD repair. */
	CHECK(json_utf8_incomplete_tail("a\xff", 2) == 0);
	CHECK(json_utf8_incomplete_tail("a\xc0", 2) == 0);
	CHECK(json_utf8_incomplete_tail("\x80\x80\x80", 3) == 0);
}

static void test_cpulist(void)
{
	struct cpu_mask m;

	CHECK(cpulist_parse("0-2,5,7-8\n", &m) == 0);
	CHECK(cpu_mask_test(&m, 0) && cpu_mask_test(&m, 2) && !cpu_mask_test(&m, 3));
	CHECK(cpu_mask_test(&m, 5) && cpu_mask_test(&m, 8) && !cpu_mask_test(&m, 9));
	CHECK(cpulist_parse("", &m) == 0 && !cpu_mask_test(&m, 0));
	CHECK(cpulist_parse("3-1", &m) != 0);
	CHECK(cpulist_parse("1,", &m) != 0);
	CHECK(cpulist_parse("a", &m) != 0);
	CHECK(cpulist_parse("1024", &m) != 0);
	CHECK(cpulist_parse("1023", &m) == 0 && cpu_mask_test(&m, 1023));
}

static void test_latency(void)
{
	static struct latency_hist h;
	uint64_t p99;

	CHECK(!latency_hist_p99_us(&h, &p99));
	for (int i = 0; i < 99; i++)
		latency_hist_add(&h, 10 * 1000); /* 10 us */
	latency_hist_add(&h, 5000 * 1000);       /* one 5 ms outlier */
	CHECK(latency_hist_p99_us(&h, &p99) && p99 == 10);
	latency_hist_add(&h, 5000 * 1000);
	/* Now 2 of 101 samples are 5 ms: p99 lands in the outlier's bucket,
	 * whose upper edge is within ~6% above 5000. */
	CHECK(latency_hist_p99_us(&h, &p99) && p99 >= 5000 && p99 <= 5300);
}

static size_t put_u32(char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (char)(v >> (8 * i));
	return 4;
}

/* u32 path_len | path | [u32 mode] | rest, as the host builds 'F' and 'L'. */
static size_t build(char *buf, uint32_t path_len, const char *path, size_t path_bytes,
		    const uint32_t *mode, const char *rest, size_t rest_len)
{
	size_t n = put_u32(buf, path_len);

	memcpy(buf + n, path, path_bytes);
	n += path_bytes;
	if (mode)
		n += put_u32(buf + n, *mode);
	memcpy(buf + n, rest, rest_len);
	return n + rest_len;
}

static bool path_ok(const char *path, size_t len)
{
	char problem[256];

	return payload_check_path(path, len, problem, sizeof(problem)) == 0;
}

static void test_paths(void)
{
	static char long_path[PATH_MAX + 1];

	CHECK(path_ok("/usr/bin/lz4", 12));
	CHECK(path_ok("/a", 2));
	CHECK(path_ok("/a..b/.c/..d", 12));
	CHECK(path_ok("/usr//lib/x", 11)); /* empty components are harmless */
	CHECK(path_ok("/./x", 4));
	CHECK(!path_ok("", 0));
	CHECK(!path_ok("usr/bin/lz4", 11));
	CHECK(!path_ok("/", 1));
	CHECK(!path_ok("/usr/", 5));
	CHECK(!path_ok("/usr/.", 6));
	CHECK(!path_ok("/..", 3));
	CHECK(!path_ok("/../etc/x", 9));
	CHECK(!path_ok("/usr/../x", 9));
	CHECK(!path_ok("/usr/..", 7));
	CHECK(!path_ok((const char[]){ '/', 'a', '\0', 'b' }, 4));
	long_path[0] = '/';
	memset(long_path + 1, 'x', PATH_MAX - 1);
	CHECK(path_ok(long_path, PATH_MAX - 1));
	CHECK(!path_ok(long_path, PATH_MAX));
}

static void test_put_file(void)
{
	static struct put_file_request req;
	char buf[256], problem[256];
	uint32_t mode = 0755, bad_mode = 0100644;
	size_t n;

	n = build(buf, 12, "/usr/bin/lz4", 12, &mode, "ELF\0x", 5);
	CHECK(payload_parse_put_file(buf, n, &req, problem, sizeof(problem)) == 0);
	CHECK(strcmp(req.path, "/usr/bin/lz4") == 0 && req.mode == 0755);
	CHECK(req.content_len == 5 && memcmp(req.content, "ELF\0x", 5) == 0);
	/* Empty content is a valid (empty) file. */
	n = build(buf, 2, "/e", 2, &mode, "", 0);
	CHECK(payload_parse_put_file(buf, n, &req, problem, sizeof(problem)) == 0);
	CHECK(req.content_len == 0);
	/* Short payloads: no length, path cut short, no mode, mode cut short. */
	CHECK(payload_parse_put_file(buf, 0, &req, problem, sizeof(problem)) == -EINVAL);
	CHECK(payload_parse_put_file(buf, 3, &req, problem, sizeof(problem)) == -EINVAL);
	n = build(buf, 12, "/usr/bin", 8, NULL, "", 0);
	CHECK(payload_parse_put_file(buf, n, &req, problem, sizeof(problem)) == -EINVAL);
	CHECK(strstr(problem, "exceeds") != NULL);
	n = build(buf, 2, "/e", 2, NULL, "", 0);
	CHECK(payload_parse_put_file(buf, n, &req, problem, sizeof(problem)) == -EINVAL);
	CHECK(strstr(problem, "/e: 'F' payload ends before the mode") != NULL);
	CHECK(payload_parse_put_file(buf, n + 3, &req, problem, sizeof(problem)) == -EINVAL);
	/* A path length near 2^32 must not wrap around. */
	n = build(buf, 0xfffffffcu, "/e", 2, &mode, "", 0);
	CHECK(payload_parse_put_file(buf, n, &req, problem, sizeof(problem)) == -EINVAL);
	/* File type bits are not permission bits. */
	n = build(buf, 2, "/e", 2, &bad_mode, "", 0);
	CHECK(payload_parse_put_file(buf, n, &req, problem, sizeof(problem)) == -EINVAL);
	CHECK(strstr(problem, "outside 07777") != NULL);
	n = build(buf, 9, "/../etc/x", 9, &mode, "", 0);
	CHECK(payload_parse_put_file(buf, n, &req, problem, sizeof(problem)) == -EINVAL);
	CHECK(strstr(problem, "'..'") != NULL);
}

static void test_symlink(void)
{
	static struct symlink_request req;
	char buf[256], problem[256];
	size_t n;

	n = build(buf, 10, "/lib64/ld2", 10, NULL, "../lib/x-linux.so.2", 19);
	CHECK(payload_parse_symlink(buf, n, &req, problem, sizeof(problem)) == 0);
	CHECK(strcmp(req.path, "/lib64/ld2") == 0);
	CHECK(strcmp(req.target, "../lib/x-linux.so.2") == 0);
	n = build(buf, 10, "/lib64/ld2", 10, NULL, "", 0);
	CHECK(payload_parse_symlink(buf, n, &req, problem, sizeof(problem)) == -EINVAL);
	CHECK(strstr(problem, "empty link target") != NULL);
	n = build(buf, 2, "/l", 2, NULL, "a\0b", 3);
	CHECK(payload_parse_symlink(buf, n, &req, problem, sizeof(problem)) == -EINVAL);
	n = build(buf, 2, "l/", 2, NULL, "a", 1);
	CHECK(payload_parse_symlink(buf, n, &req, problem, sizeof(problem)) == -EINVAL);
	CHECK(payload_parse_symlink(buf, 2, &req, problem, sizeof(problem)) == -EINVAL);
}

static void test_small_payloads(void)
{
	static const char t[8] = { 0x00, 0x10, 0x32, 0x54, 0x76, 0x98, 0x0a, 0x18 };
	char problem[128];
	uint64_t ns = 0;

	CHECK(payload_check_entropy(31, problem, sizeof(problem)) == -EINVAL);
	CHECK(payload_check_entropy(32, problem, sizeof(problem)) == 0);
	CHECK(payload_check_entropy(512, problem, sizeof(problem)) == 0);
	CHECK(payload_check_entropy(513, problem, sizeof(problem)) == -EINVAL);
	CHECK(payload_parse_wall_clock(t, 8, &ns, problem, sizeof(problem)) == 0);
	CHECK(ns == 0x180a987654321000ull);
	CHECK(payload_parse_wall_clock(t, 7, &ns, problem, sizeof(problem)) == -EINVAL);
	CHECK(payload_parse_wall_clock(t, 0, &ns, problem, sizeof(problem)) == -EINVAL);
	CHECK(payload_check_token(0, problem, sizeof(problem)) == 0);
	CHECK(payload_check_token(64, problem, sizeof(problem)) == 0);
	CHECK(payload_check_token(65, problem, sizeof(problem)) == -EINVAL);
}

static void test_guest_files(void)
{
	char dir[] = "/tmp/ktstr-unit.XXXXXX", path[256], link_path[256], blocker[256];
	char step[PATH_MAX + 64], buf[64];
	struct stat st;
	size_t len;
	char *text;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		failures++;
		return;
	}
	/* Missing parents are created; the mode is exact, whatever the umask. */
	snprintf(path, sizeof(path), "%s/usr/lib/x/f", dir);
	umask(077);
	CHECK(guest_put_file(path, 0751, "one", 3, step, sizeof(step)) == 0);
	umask(022);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0751 && st.st_size == 3);
	snprintf(buf, sizeof(buf), "%s/usr/lib", dir);
	CHECK(stat(buf, &st) == 0 && S_ISDIR(st.st_mode));
	/* Replaced in place, no temporary left behind. */
	CHECK(guest_put_file(path, 0644, "second", 6, step, sizeof(step)) == 0);
	text = read_whole_file(path, &len);
	CHECK(text && len == 6 && memcmp(text, "second", 6) == 0);
	free(text);
	snprintf(buf, sizeof(buf), "%s/usr/lib/x/.f.ktstr-tmp", dir);
	CHECK(access(buf, F_OK) != 0);
	/* A symlink replaces the file, and a file replaces the link itself
	 * (not the file it points to). */
	snprintf(link_path, sizeof(link_path), "%s/usr/lib/x/l", dir);
	CHECK(guest_put_symlink(link_path, "f", step, sizeof(step)) == 0);
	CHECK(readlink(link_path, buf, sizeof(buf)) == 1 && buf[0] == 'f');
	CHECK(guest_put_symlink(link_path, "g", step, sizeof(step)) == 0);
	CHECK(readlink(link_path, buf, sizeof(buf)) == 1 && buf[0] == 'g');
	CHECK(guest_put_file(link_path, 0600, "", 0, step, sizeof(step)) == 0);
	CHECK(lstat(link_path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0);
	CHECK(guest_put_symlink(path, "l", step, sizeof(step)) == 0);
	CHECK(lstat(path, &st) == 0 && S_ISLNK(st.st_mode));
	/* A parent that is a file: the failed step names it. */
	snprintf(blocker, sizeof(blocker), "%s/usr/lib/x/l/sub", dir);
	CHECK(guest_put_file(blocker, 0644, "", 0, step, sizeof(step)) == -ENOTDIR);
	CHECK(strstr(step, "/usr/lib/x/l") != NULL);
	/* A directory in the way is not replaced. */
	snprintf(blocker, sizeof(blocker), "%s/usr/lib", dir);
	CHECK(guest_put_file(blocker, 0644, "", 0, step, sizeof(step)) < 0);
	CHECK(strncmp(step, "rename to ", 10) == 0);
	CHECK(stat(blocker, &st) == 0 && S_ISDIR(st.st_mode));

	snprintf(buf, sizeof(buf), "rm -rf %s", dir);
	if (system(buf) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static const char scenario[] =
	"ktstr-cell 2\n"
	"scheduler /bin/scx-ktstr\n"
	"cgroup p\n"
	"cpuset 0-3\n"
	"weight 50\n"
	"end\n"
	"cgroup p/c\n"
	"workers 3\n"
	"work pipe_io\n"
	"param burst_us 7\n"
	"pcomm chrome\n"
	"comm Worker\n"
	"policy rr 20\n"
	"affinity 1-2\n"
	"worker_affinity 2 3\n"
	"end\n"
	"cgroup q\n"
	"workers 2\n"
	"work custom\n"
	"command sleep 1 # not a comment\n"
	"nice -3\n"
	"end\n"
	"step first\n"
	"op add p\n"
	"op add p/c\n"
	"op add q\n"
	"hold_ms 100\n"
	"end\n"
	"step second\n"
	"op spawn q\n"
	"op spawn q 5\n"
	"op stop q all\n"
	"op move p/c q\n"
	"op set_affinity q all\n"
	"op swap_cpuset q p/c\n"
	"hold_ms 200\n"
	"end\n";

static void test_cell_scenario(void)
{
	struct cell cell;
	char err[512];
	const struct cell_cgroup *c, *q;
	const struct cell_step *second;

	CHECK(cell_parse(scenario, strlen(scenario), &cell, err, sizeof(err)) == 0);
	if (err[0]) {
		fprintf(stderr, "cell: %s\n", err);
		return;
	}
	CHECK(cell.version == 2 && cell.mode == CELL_MODE_WORKERS);
	CHECK(cell.n_cgroups == 3 && cell.n_steps == 2);
	CHECK(cell_total_hold_ms(&cell) == 300);
	CHECK(cell.cgroups[0].workers == 0 && cell.cgroups[0].has_weight &&
	      cell.cgroups[0].weight == 50 && strcmp(cell.cgroups[0].cpuset, "0-3") == 0);
	c = &cell.cgroups[1];
	CHECK(c->parent == 0 && c->workers == 3 && c->work == WORK_PIPE_IO);
	/* pcomm implies clone thread. */
	CHECK(c->clone == CELL_CLONE_THREAD && strcmp(c->pcomm, "chrome") == 0);
	CHECK(strcmp(c->comm, "Worker") == 0);
	CHECK(c->policy == CELL_POLICY_RR && c->priority == 20);
	CHECK(c->has_affinity && cpu_mask_test(&c->affinity, 1) && cpu_mask_test(&c->affinity, 2) &&
	      !cpu_mask_test(&c->affinity, 0));
	CHECK(c->n_worker_affinity == 1 && c->worker_affinity[0].worker == 2 &&
	      cpu_mask_test(&c->worker_affinity[0].cpus, 3));
	CHECK(c->params.values[0] == 7);
	q = &cell.cgroups[2];
	CHECK(q->parent == -1 && q->clone == CELL_CLONE_FORK && q->has_nice && q->nice == -3);
	CHECK(strcmp(q->params.command, "sleep 1 # not a comment") == 0);

	second = &cell.steps[1];
	CHECK(strcmp(second->name, "second") == 0 && second->hold_ms == 200 && second->loop_ms == 0);
	CHECK(second->n_ops == 6);
	/* A spawn without a count takes the definition's workers. */
	CHECK(second->ops[0].kind == CELL_OP_SPAWN && second->ops[0].count == 2);
	CHECK(second->ops[1].count == 5);
	CHECK(second->ops[2].kind == CELL_OP_STOP && second->ops[2].count == CELL_COUNT_ALL);
	CHECK(second->ops[3].kind == CELL_OP_MOVE && second->ops[3].cgroup == 1 &&
	      second->ops[3].other == 2);
	CHECK(second->ops[4].kind == CELL_OP_SET_AFFINITY && second->ops[4].all_cpus);
	CHECK(second->ops[5].kind == CELL_OP_SWAP_CPUSET && second->ops[5].line == 35);
	cell_free(&cell);
	CHECK(cell.cgroups == NULL && cell.steps == NULL);
}

/* A loop step may not spawn: the text only differs in that op. */
static void test_cell_rules(void)
{
	static const char looped_spawn[] =
		"ktstr-cell 2\ncgroup a\nworkers 1\nwork spin_wait\nend\n"
		"step s\nop add a\nhold_ms 5\nend\n"
		"step t\nop spawn a\nhold_ms 5\nloop_ms 1\nend\n";
	static const char v1[] = "ktstr-cell 1\nduration_ms 5\n";
	struct cell cell;
	char err[512];

	CHECK(cell_parse(looped_spawn, strlen(looped_spawn), &cell, err, sizeof(err)) != 0);
	CHECK(strstr(err, "line 11: op spawn in step 't' with loop_ms") != NULL);
	CHECK(cell.cgroups == NULL && cell.steps == NULL); /* freed on failure */
	CHECK(cell_parse(v1, strlen(v1), &cell, err, sizeof(err)) != 0);
	CHECK(strcmp(err, "line 1: version 1 cells are no longer accepted; the host sends ktstr-cell 2") == 0);
}

static void test_proc_parsers(void)
{
	static const char status[] = "Name:\tx\nvoluntary_ctxt_switches:\t17\n"
				     "nonvoluntary_ctxt_switches:\t4\n";
	uint64_t v = 0;

	CHECK(proc_stats_field("nr_switches                                  :                   30\n"
			       "nr_voluntary_switches                        :                   17\n",
			       "nr_voluntary_switches", &v) && v == 17);
	CHECK(proc_stats_field(status, "voluntary_ctxt_switches", &v) && v == 17);
	CHECK(proc_stats_field(status, "nonvoluntary_ctxt_switches", &v) && v == 4);
	CHECK(proc_stats_field("se.nr_migrations                    :                   9\n",
			       "se.nr_migrations", &v) && v == 9);
	CHECK(!proc_stats_field(status, "missing", &v));
}

/* The per-step CPUs and gap of one worker across the boundaries of a step's
 * window. The fake sched_getcpu() can play the agent opening the next
 * window in the middle of the worker's bookkeeping. */
static struct worker_shared_header *window_hdr;
static int fake_cpu;
static uint64_t open_window_at; /* nonzero: open the next window during the CPU read */

static void open_window(struct worker_shared_header *hdr, uint64_t now)
{
	hdr->step_start_ns = now;
	__atomic_add_fetch(&hdr->step_epoch, 1, __ATOMIC_RELEASE);
}

static int read_fake_cpu(void)
{
	if (open_window_at) {
		open_window(window_hdr, open_window_at);
		open_window_at = 0;
	}
	return fake_cpu;
}

static void test_iteration_end(void)
{
	static struct worker_shared_header hdr;
	static struct worker_slot slot;
	struct iteration_clock c = { .prev = 1000 };
	struct cpu_mask m;
	uint64_t gap = 0;

	window_hdr = &hdr;
	/* While step 0's ops run (its window not open yet) the worker is on CPU 2. */
	fake_cpu = 2;
	iteration_end(&slot, &hdr, &c, 2000, read_fake_cpu);
	open_window(&hdr, 3000);
	CHECK(!iteration_step_window(&slot, &hdr, &m, &gap)); /* nothing ended in it yet */
	fake_cpu = 0;
	iteration_end(&slot, &hdr, &c, 3500, read_fake_cpu);
	fake_cpu = 1;
	iteration_end(&slot, &hdr, &c, 4500, read_fake_cpu);
	CHECK(iteration_step_window(&slot, &hdr, &m, &gap));
	CHECK(cpu_mask_test(&m, 0) && cpu_mask_test(&m, 1) && !cpu_mask_test(&m, 2));
	/* 500 from the window's start (not 1500 from the iteration before it), then 1000. */
	CHECK(gap == 1000);
	CHECK(cpu_mask_test(&slot.cpus_seen, 2) && slot.max_gap_ns == 1500 && slot.iterations == 3);

	/* Step 1's window opens while the worker reads its CPU: that CPU (1, where
	 * it may have been before step 1's ops) goes to step 0, whose report is
	 * out, and not to step 1. */
	fake_cpu = 1;
	open_window_at = 5100;
	iteration_end(&slot, &hdr, &c, 5200, read_fake_cpu);
	CHECK(hdr.step_epoch == 2);
	CHECK(!iteration_step_window(&slot, &hdr, &m, &gap));
	fake_cpu = 3;
	iteration_end(&slot, &hdr, &c, 6000, read_fake_cpu);
	CHECK(iteration_step_window(&slot, &hdr, &m, &gap));
	CHECK(cpu_mask_test(&m, 3) && !cpu_mask_test(&m, 1) && !cpu_mask_test(&m, 0));
	CHECK(gap == 800);
	CHECK(cpu_mask_test(&slot.cpus_seen, 1) && cpu_mask_test(&slot.cpus_seen, 3));
	CHECK(slot.iterations == 5);
}

/* The attach request ('A' frame): launch lines only, a scheduler required; and the
 * check that a cell names the launch that was attached. */
static void test_attach_request(void)
{
	static const char launch[] = "ktstr-cell 2\nscheduler /bin/scx-ktstr\nsched_arg --error-after 200\n"
				     "sched_arg -v\nsched_timeout_ms 5000\n";
	static const char same[] = "ktstr-cell 2\nscheduler /bin/scx-ktstr\nsched_arg --error-after 200\n"
				   "sched_arg -v\nsched_timeout_ms 9000\ncgroup a\nworkers 1\nwork spin_wait\nend\n"
				   "step s\nop add a\nhold_ms 10\nend\n";
	static const char other_args[] = "ktstr-cell 2\nscheduler /bin/scx-ktstr\nsched_arg -v\n"
					 "sched_arg --error-after 200\ncgroup a\nworkers 1\nwork spin_wait\nend\n"
					 "step s\nop add a\nhold_ms 10\nend\n";
	struct cell a, c;
	char err[256];

	CHECK(cell_parse_launch(launch, strlen(launch), &a, err, sizeof(err)) == 0);
	CHECK(a.has_scheduler && a.n_sched_args == 2 && a.sched_timeout_ms == 5000);
	CHECK(cell_parse(same, strlen(same), &c, err, sizeof(err)) == 0);
	CHECK(cell_same_launch(&a, &c)); /* the timeout may differ */
	cell_free(&c);
	CHECK(cell_parse(other_args, strlen(other_args), &c, err, sizeof(err)) == 0);
	CHECK(!cell_same_launch(&a, &c)); /* the same arguments in another order */
	cell_free(&c);
	cell_free(&a);

	CHECK(cell_parse_launch("ktstr-cell 2\nsched_timeout_ms 10\n", 32, &a, err, sizeof(err)) != 0);
	CHECK(strstr(err, "needs a 'scheduler' line") != NULL);
	CHECK(cell_parse_launch(same, strlen(same), &a, err, sizeof(err)) != 0);
	CHECK(strstr(err, "'cgroup' has no place in an attach request") != NULL);
	CHECK(cell_parse_launch("ktstr-cell 2\nscheduler /x\nexec true\n", 37, &a, err, sizeof(err)) != 0);
	CHECK(strstr(err, "'exec' has no place") != NULL);
}

int main(void)
{
	test_base64();
	test_json();
	test_utf8_tail();
	test_cpulist();
	test_latency();
	test_paths();
	test_put_file();
	test_symlink();
	test_small_payloads();
	test_guest_files();
	test_cell_scenario();
	test_cell_rules();
	test_proc_parsers();
	test_iteration_end();
	test_attach_request();
	if (failures) {
		fprintf(stderr, "%d unit check(s) failed\n", failures);
		return 1;
	}
	printf("all unit checks passed\n");
	return 0;
}
