/* `ktstr-guest --work-loop TYPE DURATION_MS [name=value ...]`: one worker of
 * TYPE in the calling process, with the same iteration loop (and the same
 * per-iteration bookkeeping) as a worker of the agent's runtime, for
 * DURATION_MS; prints `iterations N`. Comparing N with what the same work
 * does under a bare shell measures the agent's overhead. */
#ifndef KTSTR_WORK_LOOP_H
#define KTSTR_WORK_LOOP_H

/* argv[0] is TYPE. Returns the process exit status (0, or 2 on bad usage). */
int work_loop_main(int argc, char **argv);

#endif
