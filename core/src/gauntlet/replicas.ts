/**
 * `ktstr test --repeat N`: every cell that runs is run N times, so a comparison can average
 * out noise and show how much a metric moves between identical runs.
 *
 * Each replica is its own node:test subtest and needs its own name: replica 1 keeps the cell's
 * name (filters, recorded durations and earlier runs still match it), replica k >= 2 is
 * `test/preset/kernel#k`. Skipped cells stay single: repeating a skip says nothing new.
 */
import { KtstrError } from '../errors.js';
import type { PlanEntry } from './plan.js';

export function replicaName(cell: string, replica: number): string {
  return replica > 1 ? `${cell}#${replica}` : cell;
}

/** The cell's own name: without the `#k` of replica k >= 2. */
export function cellNameOfEntry(e: Pick<PlanEntry, 'name' | 'replica'>): string {
  const suffix = e.replica && e.replica > 1 ? `#${e.replica}` : '';
  return suffix && e.name.endsWith(suffix) ? e.name.slice(0, -suffix.length) : e.name;
}

export function withReplicas(entries: readonly PlanEntry[], repeat: number): PlanEntry[] {
  if (!Number.isInteger(repeat) || repeat < 1) throw new KtstrError('--repeat', repeat, 'must be a whole number >= 1', 'E.g. --repeat 3.');
  if (repeat === 1) return [...entries];
  return entries.flatMap((e) => e.status !== 'run' ? [e]
    : Array.from({ length: repeat }, (_, i) => ({ ...e, name: replicaName(e.name, i + 1), replica: i + 1 })));
}
