#include "clock.h"

#include <time.h>

static uint64_t agent_start_ns;

uint64_t clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void clock_mark_agent_start(void)
{
	agent_start_ns = clock_now_ns();
}

uint64_t clock_agent_ms(void)
{
	return clock_ms_since(agent_start_ns);
}

uint64_t clock_ms_since(uint64_t start_ns)
{
	return (clock_now_ns() - start_ns) / 1000000ull;
}
