/**
 * The unified timeline: every stimulus the scenario applied (step starts and ends, ops, cpuset
 * changes) in guest time order, each with the cumulative iterations of every live worker at
 * that moment, so a change in throughput can be lined up with what caused it.
 */
import type { GuestMessage } from '../channel/messages.js';

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
