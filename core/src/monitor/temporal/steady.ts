/**
 * Steady state: once the scheduler has warmed up, a gauge (runqueue depth, a rate counter's
 * per-interval value) stays within a band around its own mean.
 */
import { describeSample, formatNumber } from './sample.js';
import type { SeriesColumn } from './series-column.js';
import { failed, passed, type Verdict } from './verdict.js';
import { usablePoints, type PatternOptions } from './usable-points.js';

/**
 * Every usable sample at or after `warmupMs` lies within `tolerance` (relative: 0.1 is ±10 %)
 * of the mean of those samples: |v - mean| <= tolerance * |mean|. A mean of 0 leaves no room,
 * so every value must be 0. Samples before the warmup are not judged, not even for projection
 * errors. A warmup that leaves fewer than two usable samples passes with a note.
 */
export function steadyWithin(column: SeriesColumn, warmupMs: number, tolerance: number, options: PatternOptions = {}): Verdict {
  const pattern = `steadyWithin(${formatNumber(warmupMs)}, ${formatNumber(tolerance)})`;
  if (!(tolerance >= 0) || !(warmupMs >= 0)) return failed(pattern, column.name, `warmupMs and tolerance must be numbers >= 0, got ${warmupMs} and ${tolerance}`);
  const after = column.points.map((p, pos) => ({ ...p, pos })).filter((p) => p.sample.elapsedMs >= warmupMs);
  const u = usablePoints(column.name, after, 'number', options);
  if (!u.ok) return failed(pattern, column.name, u.problem);
  if (u.points.length < 2) {
    const last = column.points.at(-1);
    const span = last ? `the series ends at ${formatNumber(last.sample.elapsedMs)} ms` : 'the series is empty';
    const n = u.points.length;
    return passed(pattern, column.name, [...u.notes,
      `warmup ${formatNumber(warmupMs)} ms leaves ${n} usable sample${n === 1 ? '' : 's'} of ${column.length} (${span}); nothing to compare, passes unjudged`]);
  }
  const mean = u.points.reduce((s, p) => s + p.value, 0) / u.points.length;
  const room = tolerance * Math.abs(mean);
  const outside = u.points.filter((p) => Math.abs(p.value - mean) > room);
  if (outside.length > 0) {
    const bad = outside[0]!;
    const i = u.points.indexOf(bad);
    const prev = i > 0 ? u.points[i - 1]! : undefined;
    return failed(pattern, column.name,
      `${describeSample(bad.sample)}: value ${formatNumber(bad.value)} outside ${formatNumber(mean)} ± ${formatNumber(tolerance * 100)}% = [${formatNumber(mean - room)}, ${formatNumber(mean + room)}] `
      + `(the mean of ${u.points.length} samples from ${formatNumber(warmupMs)} ms; ${outside.length} outside); `
      + (prev ? `previous ${formatNumber(prev.value)} (${describeSample(prev.sample)})` : 'the first sample after the warmup'), u.notes);
  }
  return passed(pattern, column.name, u.notes);
}
