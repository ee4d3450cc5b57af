#include "latency_hist.h"

static unsigned int bucket_of(uint64_t us)
{
	unsigned int log2, sub, index;

	if (us < LAT_LINEAR_US)
		return (unsigned int)us;
	log2 = 63u - (unsigned int)__builtin_clzll(us); /* >= 6 */
	if (log2 >= LAT_MAX_LOG2)
		return LAT_BUCKETS - 1;
	sub = (unsigned int)(us >> (log2 - 4)) & (LAT_SUB_BUCKETS - 1);
	index = LAT_LINEAR_US + (log2 - 6) * LAT_SUB_BUCKETS + sub;
	return index < LAT_BUCKETS ? index : LAT_BUCKETS - 1;
}

/* Largest microsecond value that falls in a bucket. */
static uint64_t bucket_upper_us(unsigned int index)
{
	unsigned int log2, sub;

	if (index < LAT_LINEAR_US)
		return index;
	log2 = (index - LAT_LINEAR_US) / LAT_SUB_BUCKETS + 6;
	sub = (index - LAT_LINEAR_US) % LAT_SUB_BUCKETS;
	return (((uint64_t)(LAT_SUB_BUCKETS + sub) + 1) << (log2 - 4)) - 1;
}

void latency_hist_add(struct latency_hist *h, uint64_t ns)
{
	h->buckets[bucket_of(ns / 1000)]++;
	h->count++;
}

bool latency_hist_p99_us(const struct latency_hist *h, uint64_t *p99_us)
{
	uint64_t rank, seen = 0;

	if (h->count == 0)
		return false;
	/* Smallest value with at least 99% of the samples at or below it. */
	rank = (h->count * 99 + 99) / 100;
	for (unsigned int i = 0; i < LAT_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			*p99_us = bucket_upper_us(i);
			return true;
		}
	}
	*p99_us = bucket_upper_us(LAT_BUCKETS - 1);
	return true;
}
