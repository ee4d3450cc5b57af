/**
 * Per-cell metrics computed from what the guest reported for each worker (docs/metrics.md
 * defines each one).
 */
import type { WorkerMessage } from '../channel/messages.js';

export interface WorkerResult {
  cgroup: string;
  index: number;
  pid: number;
  iterations: number;
  runNs: number;
  waitNs: number;
  timeslices: number;
  migrations: number;
  cpus: number[];
  maxGapUs: number;
  wakeLatencyUsP99: number | null;
}

export interface CellMetrics {
  /** max over cgroups of (max - min) / max of the workers' CPU time; 0 = perfectly even. */
  worstSpread: number;
  /** Longest time any worker went between two iterations, in ms. */
  worstGapMs: number;
  totalMigrations: number;
  /** max over workers of migrations per timeslice. */
  worstMigrationRatio: number;
  /** max over workers of the p99 wake-to-run latency they measured (null: no blocking work). */
  p99WakeLatencyUs: number | null;
  /** Mean schedstat run delay per timeslice, in us. */
  meanRunDelayUs: number;
  totalIterations: number;
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
  };
}

export function spreadOf(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const max = Math.max(...values);
  return max <= 0 ? 0 : (max - Math.min(...values)) / max;
}

export function computeMetrics(workers: readonly WorkerResult[]): CellMetrics {
  const byCgroup = new Map<string, WorkerResult[]>();
  for (const w of workers) byCgroup.set(w.cgroup, [...(byCgroup.get(w.cgroup) ?? []), w]);
  const spreads = [...byCgroup.values()].map((ws) => spreadOf(ws.map((w) => w.runNs)));
  const wake = workers.map((w) => w.wakeLatencyUsP99).filter((v): v is number => v !== null);
  const slices = workers.reduce((s, w) => s + w.timeslices, 0);
  return {
    worstSpread: spreads.length ? Math.max(...spreads) : 0,
    worstGapMs: workers.length ? Math.max(...workers.map((w) => w.maxGapUs)) / 1000 : 0,
    totalMigrations: workers.reduce((s, w) => s + w.migrations, 0),
    worstMigrationRatio: workers.length ? Math.max(...workers.map((w) => (w.timeslices > 0 ? w.migrations / w.timeslices : 0))) : 0,
    p99WakeLatencyUs: wake.length ? Math.max(...wake) : null,
    meanRunDelayUs: slices > 0 ? workers.reduce((s, w) => s + w.waitNs, 0) / slices / 1000 : 0,
    totalIterations: workers.reduce((s, w) => s + w.iterations, 0),
  };
}
