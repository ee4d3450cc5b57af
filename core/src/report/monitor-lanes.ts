/**
 * The host monitor's readings of one cell as the report plots them: each CPU's runqueue depth
 * over time and the rate of each sched_ext event counter. A cell's detail file carries the
 * monitor as its JSON form (a MonitorResult whose series serialized to `{ samples }`); files
 * written before the monitor existed, cells it did not read and monitors that were off have
 * nothing to plot, and say why instead.
 */
import type { RunqueueSample } from '../monitor/sampler/sample-reader.js';

export interface MonitorLanes {
  /** Guest seconds (the timeline's axis) of each reading that carried runqueue data. */
  t: number[];
  /** Per CPU, nr_running at each reading (null where the CPU was not read). */
  cpus: { cpu: number; nrRunning: (number | null)[] }[];
  /** Per counter, growth per second since the previous reading (null for the first, or two readings at one instant). */
  events: { name: string; perSec: (number | null)[] }[];
}

export type MonitorLanesOrWhy = { lanes: MonitorLanes } | { absent: string };

/** Counters shown when many moved: the ones that moved most. */
const MAX_EVENT_LANES = 8;

interface RawSample {
  elapsedMs?: unknown;
  data?: unknown;
}

function samplesOf(monitor: Record<string, unknown>): RawSample[] {
  const series = monitor.series as { samples?: unknown } | unknown[] | undefined;
  if (Array.isArray(series)) return series as RawSample[];
  if (series && Array.isArray(series.samples)) return series.samples as RawSample[];
  return [];
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function monitorLanes(monitor: unknown): MonitorLanesOrWhy {
  if (!monitor || typeof monitor !== 'object') return { absent: 'no monitor data' };
  const m = monitor as Record<string, unknown>;
  if (m.enabled === false) return { absent: `no monitor data: ${typeof m.reason === 'string' ? m.reason : 'the monitor was off'}` };
  // Elapsed ms count from the scenario's start; the timeline counts guest ms from the agent's.
  const start = isNum(m.scenarioStartTMs) ? m.scenarioStartTMs : 0;
  const read = samplesOf(m)
    .filter((s) => isNum(s.elapsedMs) && s.data && typeof s.data === 'object' && Array.isArray((s.data as { cpus?: unknown }).cpus))
    .map((s) => ({ tMs: start + (s.elapsedMs as number), data: s.data as { cpus: (RunqueueSample | null)[]; events?: Record<string, unknown> | null } }))
    .sort((a, b) => a.tMs - b.tMs);
  if (read.length === 0) return { absent: 'no monitor data: no reading carried runqueue data' };
  const cpuIds = new Set<number>();
  for (const s of read) for (const c of s.data.cpus) if (c && isNum(c.cpu)) cpuIds.add(c.cpu);
  const cpus = [...cpuIds].sort((a, b) => a - b).map((cpu) => ({
    cpu,
    nrRunning: read.map((s) => {
      const c = s.data.cpus.find((x) => x?.cpu === cpu);
      return c && isNum(c.nrRunning) ? c.nrRunning : null;
    }),
  }));
  const names = new Set<string>();
  for (const s of read) for (const [k, v] of Object.entries(s.data.events ?? {})) if (isNum(v)) names.add(k);
  const events = [...names].map((name) => {
    const v = read.map((s) => s.data.events?.[name]);
    const perSec = read.map((s, i) => {
      if (i === 0) return null;
      const a = v[i - 1];
      const b = v[i];
      const dt = s.tMs - read[i - 1]!.tMs;
      return isNum(a) && isNum(b) && dt > 0 ? ((b - a) * 1000) / dt : null;
    });
    const moved = perSec.reduce<number>((sum, r) => sum + Math.abs(r ?? 0), 0);
    return { name, perSec, moved };
  });
  // Counters that never moved are flat lines at 0: shown only when nothing moved at all, so the
  // chart still says "these were read, and stood still".
  const movedOnes = events.filter((e) => e.moved > 0).sort((a, b) => b.moved - a.moved || (a.name < b.name ? -1 : 1));
  const shown = (movedOnes.length > 0 ? movedOnes : events.sort((a, b) => (a.name < b.name ? -1 : 1))).slice(0, MAX_EVENT_LANES);
  return {
    lanes: {
      t: read.map((s) => s.tMs / 1000),
      cpus,
      events: shown.map(({ name, perSec }) => ({ name, perSec })),
    },
  };
}
