/* Wake-latency histogram, written by one worker and read by the agent after
 * the hold (it lives in the shared worker region).
 *
 * Buckets are 1 us wide below 64 us, then each power of two is split into 16
 * sub-buckets (about 6% resolution) up to 2^40 us. That keeps a p99 accurate
 * enough for assertions at a fixed 5 KiB per worker, with no sampling. */
#ifndef KTSTR_LATENCY_HIST_H
#define KTSTR_LATENCY_HIST_H

#include <stdbool.h>
#include <stdint.h>

#define LAT_LINEAR_US 64
#define LAT_SUB_BUCKETS 16
#define LAT_MAX_LOG2 40
#define LAT_BUCKETS (LAT_LINEAR_US + (LAT_MAX_LOG2 - 6) * LAT_SUB_BUCKETS)

struct latency_hist {
	uint64_t count;
	uint64_t buckets[LAT_BUCKETS];
};

void latency_hist_add(struct latency_hist *h, uint64_t ns);

/* 99th percentile in microseconds (upper edge of its bucket).
 * Returns false when no sample was recorded. */
bool latency_hist_p99_us(const struct latency_hist *h, uint64_t *p99_us);

#endif
