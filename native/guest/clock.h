/* The agent's clocks. CLOCK_MONOTONIC times everything the agent measures;
 * CLOCK_BOOTTIME gives the guest's age for `hello`; CLOCK_REALTIME is only
 * ever set, from the host (a guest restored from a snapshot would otherwise
 * carry the wall time of the moment the snapshot was taken). */
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

/* Microseconds since clock_mark_agent_start(): finer than t_ms, same origin. */
uint64_t clock_agent_us(void);

/* Milliseconds elapsed since a clock_now_ns() value. */
uint64_t clock_ms_since(uint64_t start_ns);

/* CLOCK_BOOTTIME in milliseconds: how long ago this guest booted. */
uint64_t clock_boot_ms(void);

/* Set CLOCK_REALTIME to ns since the Unix epoch. Returns 0, or -errno. */
int clock_set_wall_ns(uint64_t ns);

#endif
