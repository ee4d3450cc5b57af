/* Host-side unit checks of the pure parts of the agent: the JSON emitter
 * (and its UTF-8 helpers), the cpulist parser and the latency histogram.
 * Run by `make check`. */
#include <stdio.h>
#include <string.h>

#include "../cpulist.h"
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

int main(void)
{
	test_json();
	test_utf8_tail();
	test_cpulist();
	test_latency();
	if (failures) {
		fprintf(stderr, "%d unit check(s) failed\n", failures);
		return 1;
	}
	printf("all unit checks passed\n");
	return 0;
}
