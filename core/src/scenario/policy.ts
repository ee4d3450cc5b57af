/** The Linux scheduling policy a cgroup's workers run under. FIFO and RR are outside sched_ext. */
export type SchedPolicy =
  | { kind: 'normal' }
  | { kind: 'batch' }
  | { kind: 'idle' }
  | { kind: 'fifo'; priority: number }
  | { kind: 'rr'; priority: number };

export const policy = {
  /** SCHED_OTHER (the default). */
  normal: (): SchedPolicy => ({ kind: 'normal' }),
  /** SCHED_BATCH: CPU-bound, never preempts on wakeup. */
  batch: (): SchedPolicy => ({ kind: 'batch' }),
  /** SCHED_IDLE: runs only when nothing else wants the CPU. */
  idle: (): SchedPolicy => ({ kind: 'idle' }),
  /** SCHED_FIFO at `priority` 1..99. */
  fifo: (priority: number): SchedPolicy => ({ kind: 'fifo', priority }),
  /** SCHED_RR at `priority` 1..99. */
  roundRobin: (priority: number): SchedPolicy => ({ kind: 'rr', priority }),
};

export function isRealtime(p: SchedPolicy | undefined): boolean {
  return p?.kind === 'fifo' || p?.kind === 'rr';
}
