/**
 * Work types: what each worker process does in a loop. The guest agent implements them; the
 * host only describes them. Parameter names are camelCase here and snake_case on the wire.
 */
export type WorkType = 'spin_wait' | 'yield_heavy' | 'mixed' | 'bursty' | 'pipe_io' | 'futex_ping_pong';

export interface WorkSpec {
  type: WorkType;
  params: Record<string, number>;
}

const spec = (type: WorkType, params: Record<string, number | undefined> = {}): WorkSpec => ({
  type,
  params: Object.fromEntries(Object.entries(params).filter((e): e is [string, number] => e[1] !== undefined)),
});

export const work = {
  /** Tight CPU spin loop; one iteration = `spinIters` loop turns. */
  spinWait: (o: { spinIters?: number } = {}) => spec('spin_wait', { spin_iters: o.spinIters }),
  /** sched_yield() in a loop with minimal work between. */
  yieldHeavy: () => spec('yield_heavy'),
  /** A CPU burst followed by sched_yield(). */
  mixed: (o: { burstUs?: number } = {}) => spec('mixed', { burst_us: o.burstUs }),
  /** A CPU burst, then sleep: the wakeup path. */
  bursty: (o: { burstUs?: number; sleepUs?: number } = {}) => spec('bursty', { burst_us: o.burstUs, sleep_us: o.sleepUs }),
  /** A CPU burst, then a 1-byte exchange with a partner over pipes: cross-CPU wake placement. */
  pipeIo: (o: { burstUs?: number } = {}) => spec('pipe_io', { burst_us: o.burstUs }),
  /** Paired futex wait/wake between two workers. */
  futexPingPong: (o: { burstUs?: number } = {}) => spec('futex_ping_pong', { burst_us: o.burstUs }),
};

export const WORK_TYPES: readonly WorkType[] = ['spin_wait', 'yield_heavy', 'mixed', 'bursty', 'pipe_io', 'futex_ping_pong'];
