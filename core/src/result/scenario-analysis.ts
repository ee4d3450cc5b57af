/**
 * From the guest's messages to everything a result reports: workers, per-cell, per-cgroup and
 * per-step metrics, and the timeline. Pure, so it is tested against recorded message fixtures.
 */
import type { GuestMessage, StepMessage, StepWorkerState, WorkerMessage } from '../channel/messages.js';
import { computeMetrics, type CellMetrics, imbalanceRatio, stepDeltas, type WorkerResult, type WorkerSample, workerFromMessage } from './metrics.js';
import { buildTimeline, type TimelineEvent } from './timeline.js';

export interface CgroupResult {
  name: string;
  workers: WorkerResult[];
  metrics: CellMetrics;
}

export interface StepResult {
  index: number;
  name: string;
  /** Guest ms at the step's start (after its ops) and end (after its hold); null if not reported. */
  startMs: number | null;
  endMs: number | null;
  /** Each live worker's share of this step. */
  workers: WorkerSample[];
  metrics: CellMetrics;
  /** Per cgroup, within this step. */
  cgroups: Record<string, CellMetrics>;
}

export interface ScenarioAnalysis {
  workers: WorkerResult[];
  metrics: CellMetrics;
  cgroups: Record<string, CgroupResult>;
  steps: StepResult[];
  timeline: TimelineEvent[];
}

const toSample = (w: WorkerResult): WorkerSample => ({
  cgroup: w.cgroup, index: w.index, iterations: w.iterations, runNs: w.runNs, waitNs: w.waitNs, timeslices: w.timeslices,
  migrations: w.migrations, maxGapUs: w.maxGapUs, wakeLatencyUsP99: w.wakeLatencyUsP99, cpus: w.cpus,
});

function byCgroup<T extends { cgroup: string }>(xs: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(x.cgroup, [...(m.get(x.cgroup) ?? []), x]);
  return m;
}

export function analyzeMessages(messages: readonly GuestMessage[]): ScenarioAnalysis {
  const workers = messages.filter((m): m is WorkerMessage => m.type === 'worker').map(workerFromMessage);
  const cpus = new Map(workers.map((w) => [`${w.cgroup}\u0000${w.index}`, w.cpus]));
  const cpusOf = (cg: string, i: number) => cpus.get(`${cg}\u0000${i}`) ?? [];

  const stepMsgs = messages.filter((m): m is StepMessage => m.type === 'step');
  const indices = [...new Set(stepMsgs.map((m) => m.index))].sort((a, b) => a - b);
  let prev: StepWorkerState[] = [];
  const steps: StepResult[] = indices.map((index) => {
    const start = stepMsgs.find((m) => m.index === index && m.phase === 'start');
    const end = stepMsgs.find((m) => m.index === index && m.phase === 'end');
    const now = end?.workers ?? [];
    const samples = end ? stepDeltas(prev, now, cpusOf) : [];
    if (end) prev = now;
    const cgroups = Object.fromEntries([...byCgroup(samples)].map(([name, ws]) => [name, computeMetrics(ws)]));
    return {
      index, name: (start ?? end)!.name, startMs: start?.t_ms ?? null, endMs: end?.t_ms ?? null,
      workers: samples, metrics: computeMetrics(samples), cgroups,
    };
  });

  // Imbalance is a per-step quantity (which CPUs were busy changes with each step's ops); a
  // run without step reports (an early exit) falls back to the whole run.
  const worstImbalance = (pick: (s: StepResult) => number | undefined, whole: number) => {
    const v = steps.map(pick).filter((x): x is number => x !== undefined);
    return v.length ? Math.max(...v) : whole;
  };
  const all = workers.map(toSample);
  const metrics = computeMetrics(all, worstImbalance((s) => (s.workers.length ? s.metrics.maxImbalanceRatio : undefined), imbalanceRatio(all)));
  const cgroups: Record<string, CgroupResult> = {};
  for (const [name, ws] of byCgroup(workers)) {
    const samples = ws.map(toSample);
    cgroups[name] = {
      name, workers: ws,
      metrics: computeMetrics(samples, worstImbalance((s) => s.cgroups[name]?.maxImbalanceRatio, imbalanceRatio(samples))),
    };
  }
  return { workers, metrics, cgroups, steps, timeline: buildTimeline(messages) };
}
