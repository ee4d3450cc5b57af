/**
 * A boolean invariant at every sample (e.g. "the scheduler is attached", "no CPU has more than
 * n runnable tasks", projected with series.project).
 */
import { describeSample } from './sample.js';
import type { SeriesColumn } from './series-column.js';
import { failed, passed, type Verdict } from './verdict.js';
import { tooShortNote, usablePoints, type PatternOptions } from './usable-points.js';

/**
 * Every usable sample is `true`. This judges each sample on its own, so a single usable sample
 * is still judged (a false reading is evidence however short the series); the short-series
 * note is added all the same.
 */
export function alwaysTrue(column: SeriesColumn, options: PatternOptions = {}): Verdict {
  const pattern = 'alwaysTrue()';
  const u = usablePoints(column.name, column.points, 'boolean', options);
  if (!u.ok) return failed(pattern, column.name, u.problem);
  const notes = u.points.length < 2 ? [...u.notes, tooShortNote(u.points.length, column.length)] : u.notes;
  for (let i = 0; i < u.points.length; i++) {
    const p = u.points[i]!;
    if (!p.value) {
      const prev = i > 0 ? u.points[i - 1]! : undefined;
      return failed(pattern, column.name,
        `${describeSample(p.sample)}: false; ${prev ? `previous ${String(prev.value)} (${describeSample(prev.sample)})` : 'the first usable sample'}`, notes);
    }
  }
  return passed(pattern, column.name, notes);
}
