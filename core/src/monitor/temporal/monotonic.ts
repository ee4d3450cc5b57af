/**
 * Counter monotonicity: a cumulative counter (events, dispatches, clocks) never goes back. A
 * decrease means a reset, a wrap, or a read from the wrong copy of the counter.
 */
import { describeSample, formatNumber } from './sample.js';
import type { SeriesColumn } from './series-column.js';
import { failed, passed, type Verdict } from './verdict.js';
import { tooShortNote, usablePoints, type PatternOptions } from './usable-points.js';

/** v[i] <= v[i+1] for every pair of consecutive usable samples. */
export function nondecreasing(column: SeriesColumn, options: PatternOptions = {}): Verdict {
  return monotonic(column, 'nondecreasing()', (prev, cur) => cur >= prev, 'below', options);
}

/** v[i] < v[i+1]: the counter moved between every two samples (something kept happening). */
export function strictlyIncreasing(column: SeriesColumn, options: PatternOptions = {}): Verdict {
  return monotonic(column, 'strictlyIncreasing()', (prev, cur) => cur > prev, 'not above', options);
}

function monotonic(column: SeriesColumn, pattern: string, holds: (prev: number, cur: number) => boolean, relation: string, options: PatternOptions): Verdict {
  const u = usablePoints(column.name, column.points, 'number', options);
  if (!u.ok) return failed(pattern, column.name, u.problem);
  if (u.points.length < 2) return passed(pattern, column.name, [...u.notes, tooShortNote(u.points.length, column.length)]);
  for (let i = 1; i < u.points.length; i++) {
    const prev = u.points[i - 1]!;
    const cur = u.points[i]!;
    if (!holds(prev.value, cur.value)) {
      return failed(pattern, column.name,
        `${describeSample(cur.sample)}: value ${formatNumber(cur.value)} ${relation} previous ${formatNumber(prev.value)} (${describeSample(prev.sample)})`, u.notes);
    }
  }
  return passed(pattern, column.name, u.notes);
}
