/**
 * Numbers a cell's monitor samples add to its metrics: the deepest local DSQ, the widest gap in
 * runqueue length between CPUs, the sched_ext fallback and keep-last events over the run, and
 * the stalls the host saw. Computed only from samples that were read; a cell without monitor
 * data has no monitor metrics (not zeros), so nothing judged before the monitor changes.
 */
import { isPlaceholder, type Sample } from '../temporal/sample.js';
import type { MonitorSampleData, RunqueueSample } from './sample-reader.js';
import { findStalls, type Stall } from './stall.js';

/** A busy CPU's clock frozen for this many samples (500 ms at the default interval) is a stall in the cell's record. */
export const DEFAULT_STALL_SAMPLES = 5;

export const FALLBACK_EVENT = 'SCX_EV_SELECT_CPU_FALLBACK';
export const KEEP_LAST_EVENT = 'SCX_EV_DISPATCH_KEEP_LAST';

export interface MonitorMetrics {
  /** Samples and captures with runqueue data. */
  samples: number;
  /** Max over readings and CPUs of the local DSQ's depth. */
  maxDsqDepth: number;
  /** Max over readings of (longest - shortest) rq nr_running across CPUs. */
  maxRqImbalance: number;
  /** Counter growth from the first to the last reading that had it; null when no reading did (no BPF scheduler, or a kernel without the counter). */
  fallbackEvents: number | null;
  keepLastEvents: number | null;
  /** Growth per second of elapsed time between those two readings. */
  fallbackRatePerSec: number | null;
  keepLastRatePerSec: number | null;
  /** Stalls of DEFAULT_STALL_SAMPLES or more samples. */
  stallCount: number;
  stalls: Stall[];
}

function dataOf(s: Sample): Partial<MonitorSampleData> | undefined {
  if (s.data === null || s.data === undefined || isPlaceholder(s.data)) return undefined;
  return s.data as Partial<MonitorSampleData>;
}

function growth(samples: readonly Sample[], name: string): { delta: number; perSec: number } | null {
  const seen = samples.flatMap((s) => {
    const v = dataOf(s)?.events?.[name];
    return typeof v === 'number' ? [{ t: s.elapsedMs, v }] : [];
  });
  if (seen.length === 0) return null;
  const first = seen[0]!;
  const last = seen.at(-1)!;
  const delta = last.v - first.v;
  const span = last.t - first.t;
  return { delta, perSec: span > 0 ? (delta * 1000) / span : 0 };
}

/** Undefined when no reading carried runqueue data. */
export function monitorMetrics(samples: readonly Sample[], stallSamples = DEFAULT_STALL_SAMPLES): MonitorMetrics | undefined {
  let maxDsqDepth = 0;
  let maxRqImbalance = 0;
  let read = 0;
  for (const s of samples) {
    const all: readonly (RunqueueSample | null)[] = dataOf(s)?.cpus ?? [];
    const cpus = all.filter((c): c is RunqueueSample => c !== null && typeof c === 'object');
    if (cpus.length === 0) continue;
    read++;
    const nr = cpus.flatMap((c) => (c.nrRunning === null ? [] : [c.nrRunning]));
    // The imbalance needs every CPU: one unread runqueue could be the longest or the shortest.
    if (nr.length === all.length) maxRqImbalance = Math.max(maxRqImbalance, Math.max(...nr) - Math.min(...nr));
    maxDsqDepth = Math.max(maxDsqDepth, ...cpus.flatMap((c) => (c.localDsqDepth === null ? [] : [c.localDsqDepth])));
  }
  if (read === 0) return undefined;
  const fallback = growth(samples, FALLBACK_EVENT);
  const keepLast = growth(samples, KEEP_LAST_EVENT);
  const stalls = findStalls(samples, stallSamples);
  return {
    samples: read, maxDsqDepth, maxRqImbalance,
    fallbackEvents: fallback?.delta ?? null, keepLastEvents: keepLast?.delta ?? null,
    fallbackRatePerSec: fallback?.perSec ?? null, keepLastRatePerSec: keepLast?.perSec ?? null,
    stallCount: stalls.length, stalls,
  };
}
