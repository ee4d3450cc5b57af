#include "clock.h"

#include <errno.h>
#include <time.h>

static uint64_t agent_start_ns;

static uint64_t read_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t clock_now_ns(void)
{
	return read_ns(CLOCK_MONOTONIC);
}

void clock_mark_agent_start(void)
{
	agent_start_ns = clock_now_ns();
}

uint64_t clock_agent_ms(void)
{
	return clock_ms_since(agent_start_ns);
}

uint64_t clock_agent_us(void)
{
	return (clock_now_ns() - agent_start_ns) / 1000ull;
}

uint64_t clock_ms_since(uint64_t start_ns)
{
	return (clock_now_ns() - start_ns) / 1000000ull;
}

uint64_t clock_boot_ms(void)
{
	return read_ns(CLOCK_BOOTTIME) / 1000000ull;
}

int clock_set_wall_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ull),
		.tv_nsec = (long)(ns % 1000000000ull),
	};

	/* Only the wall clock moves: CLOCK_MONOTONIC (every interval the agent
	 * measures) and CLOCK_BOOTTIME are not affected by this call. */
	return clock_settime(CLOCK_REALTIME, &ts) == 0 ? 0 : -errno;
}
