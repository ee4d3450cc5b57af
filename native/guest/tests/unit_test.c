/* Host-side unit checks of the parts of the agent that need no VM: the JSON
 * emitter (and its UTF-8 helpers), the cpulist parser, the latency
 * histogram, the payloads of the request frames and placing files (in a
 * temporary directory). Run by `make check`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../cpulist.h"
#include "../file_io.h"
#include "../frame_payload.h"
#include "../guest_files.h"
#include "../json.h"
#include "../latency_hist.h"

static int failures;

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,   \
				__LINE__, #cond);                                \
			failures++;                                              \
		}                                                                \
	} while (0)

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

int main(void)
{
	test_json();
	test_utf8_tail();
	test_cpulist();
	test_latency();
	test_paths();
	test_put_file();
	test_symlink();
	test_small_payloads();
	test_guest_files();
	if (failures) {
		fprintf(stderr, "%d unit check(s) failed\n", failures);
		return 1;
	}
	printf("all unit checks passed\n");
	return 0;
}
