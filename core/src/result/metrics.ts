/**
 * Metrics computed from what the guest reported for each worker (docs/metrics.md defines each
 * one): per cell and per cgroup from the final `worker` messages, per step from the differences
 * of the cumulative states in consecutive `step` end messages.
 */
import type { StepWorkerState, WorkerMessage } from '../channel/messages.js';

export interface WorkerResult {
  cgroup: string;
  index: number;
  pid: number;
  iterations: number;
  runNs: number;
  waitNs: number;
  timeslices: number;
  migrations: number;
  /** CPUs the worker was seen running on. */
  cpus: number[];
  maxGapUs: number;
  wakeLatencyUsP99: number | null;
  /** Which `add`/`spawn` batch of its cgroup started it (0 = the add). */
  batch: number;
  tid: number;
  clone: 'fork' | 'thread';
  startedStep: number;
  stoppedStep: number | null;
  minflt: number;
  majflt: number;
  /** Voluntary and involuntary context switches. */
  nvcsw: number;
  nivcsw: number;
  notes: string[];
}

export interface CellMetrics {
  /** max over cgroups of (max - min) / max of the workers' CPU time; 0 = perfectly even. */
  worstSpread: number;
  /** Longest time any worker went between two iterations, in ms. */
  worstGapMs: number;
  totalMigrations: number;
  /** max over workers of migrations per timeslice. */
  worstMigrationRatio: number;
  /** max over steps of (most / least loaded CPU) of per-CPU run time; 1 = even (docs/metrics.md). */
  maxImbalanceRatio: number;
  /** max over workers of the p99 wake-to-run latency they measured (null: no blocking work, or per step). */
  p99WakeLatencyUs: number | null;
  /** Mean schedstat run delay per timeslice, in us. */
  meanRunDelayUs: number;
  totalIterations: number;
}

/** The numbers every metric is computed from: a worker's whole run, or its share of one step. */
export interface WorkerSample {
  cgroup: string;
  index: number;
  iterations: number;
  runNs: number;
  waitNs: number;
  timeslices: number;
  migrations: number;
  maxGapUs: number;
  wakeLatencyUsP99: number | null;
  /** CPUs it was seen running on: in a step, within that step only (docs/metrics.md). */
  cpus: number[];
  /**
   * Set on a step's sample when the step report carried no CPUs (recordings of agents from
   * before per-step CPU lists) and `cpus` is the worker's whole run instead: good enough to
   * estimate a step's imbalance, wrong for asking where the worker ran in that step.
   */
  cpusFromWholeRun?: true;
}

export function workerFromMessage(m: WorkerMessage): WorkerResult {
  return {
    cgroup: m.cgroup,
    index: m.index,
    pid: m.pid,
    iterations: m.iterations,
    runNs: m.run_ns,
    waitNs: m.wait_ns,
    timeslices: m.timeslices,
    migrations: m.migrations,
    cpus: m.cpus,
    maxGapUs: m.max_gap_us,
    wakeLatencyUsP99: m.wake_latency_us_p99,
    batch: m.batch ?? 0,
    tid: m.tid ?? m.pid,
    clone: m.clone ?? 'fork',
    startedStep: m.started_step ?? 0,
    stoppedStep: m.stopped_step ?? null,
    minflt: m.minflt ?? 0,
    majflt: m.majflt ?? 0,
    nvcsw: m.nvcsw ?? 0,
    nivcsw: m.nivcsw ?? 0,
    notes: m.notes ?? [],
  };
}

export function spreadOf(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const max = Math.max(...values);
  return max <= 0 ? 0 : (max - Math.min(...values)) / max;
}

/**
 * Each worker's run time spread evenly over the CPUs it was seen on, summed per CPU; the ratio
 * of the most to the least loaded CPU among those that carried any load. 1 when even or when
 * fewer than two CPUs carried load.
 */
export function imbalanceRatio(samples: readonly WorkerSample[]): number {
  const load = new Map<number, number>();
  for (const s of samples) {
    if (s.runNs <= 0 || s.cpus.length === 0) continue;
    for (const c of s.cpus) load.set(c, (load.get(c) ?? 0) + s.runNs / s.cpus.length);
  }
  const v = [...load.values()].filter((x) => x > 0);
  if (v.length < 2) return 1;
  return Math.max(...v) / Math.min(...v);
}

function groupBy<T extends { cgroup: string }>(xs: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(x.cgroup, [...(m.get(x.cgroup) ?? []), x]);
  return m;
}

/**
 * The metrics of a set of samples. `imbalance` is supplied by the caller because it is a
 * per-step quantity: the cell's value is the worst step's.
 */
export function computeMetrics(samples: readonly WorkerSample[], imbalance = imbalanceRatio(samples)): CellMetrics {
  const spreads = [...groupBy(samples).values()].map((ws) => spreadOf(ws.map((w) => w.runNs)));
  const wake = samples.map((w) => w.wakeLatencyUsP99).filter((v): v is number => v !== null);
  const slices = samples.reduce((s, w) => s + w.timeslices, 0);
  return {
    worstSpread: spreads.length ? Math.max(...spreads) : 0,
    worstGapMs: samples.length ? Math.max(...samples.map((w) => w.maxGapUs)) / 1000 : 0,
    totalMigrations: samples.reduce((s, w) => s + w.migrations, 0),
    worstMigrationRatio: samples.length ? Math.max(...samples.map((w) => (w.timeslices > 0 ? w.migrations / w.timeslices : 0))) : 0,
    maxImbalanceRatio: imbalance,
    p99WakeLatencyUs: wake.length ? Math.max(...wake) : null,
    meanRunDelayUs: slices > 0 ? samples.reduce((s, w) => s + w.waitNs, 0) / slices / 1000 : 0,
    totalIterations: samples.reduce((s, w) => s + w.iterations, 0),
  };
}

/**
 * One worker's share of a step: its cumulative state at this step's end minus its state at the
 * previous step's end (zero when it started during this step). `max_gap_us` is already per step.
 */
export function stepDeltas(prev: readonly StepWorkerState[], now: readonly StepWorkerState[], cpusOf: (cgroup: string, index: number) => number[]): WorkerSample[] {
  const before = new Map(prev.map((w) => [`${w.cgroup}\u0000${w.index}`, w]));
  return now.map((w) => {
    const p = before.get(`${w.cgroup}\u0000${w.index}`);
    const d = (k: 'iterations' | 'run_ns' | 'wait_ns' | 'timeslices' | 'migrations') => Math.max(0, w[k] - (p?.[k] ?? 0));
    return {
      cgroup: w.cgroup,
      index: w.index,
      iterations: d('iterations'),
      runNs: d('run_ns'),
      waitNs: d('wait_ns'),
      timeslices: d('timeslices'),
      migrations: d('migrations'),
      maxGapUs: w.max_gap_us,
      wakeLatencyUsP99: null,
      cpus: w.cpus ?? cpusOf(w.cgroup, w.index),
      ...(w.cpus === undefined ? { cpusFromWholeRun: true as const } : {}),
    };
  });
}
