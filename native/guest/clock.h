/* Monotonic time helpers shared by every part of the agent. */
#ifndef KTSTR_CLOCK_H
#define KTSTR_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. The same clock is read by the agent and by
 * its forked workers, so values are comparable across processes. */
uint64_t clock_now_ns(void);

/* Record the agent's start time; call once, first thing in main(). */
void clock_mark_agent_start(void);

/* Milliseconds since clock_mark_agent_start(): the "t_ms" of every message. */
uint64_t clock_agent_ms(void);

/* Milliseconds elapsed since a clock_now_ns() value. */
uint64_t clock_ms_since(uint64_t start_ns);

#endif
