/**
 * The unified timeline: every stimulus the scenario applied (step starts and ends, ops, cpuset
 * changes) in guest time order, each with the cumulative iterations of every live worker at
 * that moment, so a change in throughput can be lined up with what caused it.
 */
import type { GuestMessage } from '../channel/messages.js';
import type { MonitorResult } from '../monitor/sampler/monitor-result.js';

export type TimelineKind = 'step_start' | 'step_end' | 'op' | 'cpuset';

export interface TimelineEvent {
  /** Guest milliseconds since the agent started. */
  tMs: number;
  kind: TimelineKind;
  step: number;
  stepName: string;
  /** For ops: the op's wire name, its cgroup and argument, and whether it worked. */
  op?: string;
  cgroup?: string;
  arg?: string;
  ok?: boolean;
  error?: string;
  /** `cgroup/index` -> cumulative iterations at this moment. */
  iterations: Record<string, number>;
}

const CPUSET_OPS = new Set(['set_cpuset', 'clear_cpuset', 'swap_cpuset']);

export function buildTimeline(messages: readonly GuestMessage[]): TimelineEvent[] {
  const names = new Map<number, string>();
  for (const m of messages) if (m.type === 'step') names.set(m.index, m.name);
  // Iterations at a step start are not sent with it: carry the latest known counts forward.
  let last: Record<string, number> = {};
  const out: TimelineEvent[] = [];
  for (const m of messages) {
    if (m.type === 'event') {
      last = Object.fromEntries(m.iterations.map(([cg, i, n]) => [`${cg}/${i}`, n]));
      const e: TimelineEvent = {
        tMs: m.t_ms, kind: CPUSET_OPS.has(m.op) ? 'cpuset' : 'op', step: m.step, stepName: names.get(m.step) ?? String(m.step),
        op: m.op, cgroup: m.cgroup, ok: m.ok, iterations: last,
      };
      if (m.arg !== undefined) e.arg = m.arg;
      if (m.error !== undefined) e.error = m.error;
      out.push(e);
    } else if (m.type === 'step') {
      if (m.phase === 'end' && m.workers) last = Object.fromEntries(m.workers.map((w) => [`${w.cgroup}/${w.index}`, w.iterations]));
      out.push({ tMs: m.t_ms, kind: m.phase === 'start' ? 'step_start' : 'step_end', step: m.index, stepName: m.name, iterations: { ...last } });
    }
  }
  return out;
}

/**
 * One host-monitor reading placed on the timeline's axis: the monitor's lane, beside the
 * stimulus events rather than among them, so the events keep their meaning (and their
 * iterations) for everything that reads `r.timeline`.
 */
export interface MonitorMark {
  /** Guest ms since the agent started, as TimelineEvent.tMs: the scenario's start plus the sample's elapsed time. */
  tMs: number;
  kind: 'sample' | 'capture';
  index: number;
  /** Elapsed ms from the scenario's start, pauses excluded (the series' axis). */
  elapsedMs: number;
  label?: string;
  /** For a capture: how long the host kept the guest stopped. */
  pauseMs?: number;
}

export function monitorMarks(monitor: MonitorResult | undefined): MonitorMark[] {
  if (!monitor || monitor.scenarioStartTMs === null) return [];
  const start = monitor.scenarioStartTMs;
  const pauses = new Map(monitor.captures.map((c) => [c.label, c.pauseMs]));
  return monitor.series.samples.map((s) => ({
    tMs: start + s.elapsedMs, kind: s.kind, index: s.index, elapsedMs: s.elapsedMs,
    ...(s.label !== undefined ? { label: s.label } : {}),
    ...(s.label !== undefined && pauses.has(s.label) ? { pauseMs: pauses.get(s.label)! } : {}),
  }));
}

export type TimelineEntry = { lane: 'stimulus'; tMs: number; event: TimelineEvent } | { lane: 'monitor'; tMs: number; mark: MonitorMark };

/** Both lanes in time order; at the same ms a stimulus comes first (the reading sees its effect). */
export function joinTimeline(events: readonly TimelineEvent[], marks: readonly MonitorMark[]): TimelineEntry[] {
  const all: TimelineEntry[] = [
    ...events.map((event): TimelineEntry => ({ lane: 'stimulus', tMs: event.tMs, event })),
    ...marks.map((mark): TimelineEntry => ({ lane: 'monitor', tMs: mark.tMs, mark })),
  ];
  return all.sort((a, b) => a.tMs - b.tMs || (a.lane === b.lane ? 0 : a.lane === 'stimulus' ? -1 : 1));
}
