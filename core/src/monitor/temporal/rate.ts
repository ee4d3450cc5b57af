/**
 * Bounded rate: how fast a counter moves, per millisecond of (pause-adjusted) guest time,
 * between consecutive samples. Catches a counter that runs away (an event storm) or stalls.
 */
import { describeSample, formatNumber } from './sample.js';
import type { SeriesColumn } from './series-column.js';
import { failed, passed, type Verdict } from './verdict.js';
import { tooShortNote, usablePoints, type PatternOptions } from './usable-points.js';

/**
 * lo <= (v[i+1] - v[i]) / (t[i+1] - t[i]) <= hi for consecutive usable samples. A negative
 * rate (the counter went back) is compared like any other. Two samples at the same elapsed
 * time (a capture taken at a periodic sample's tick) have no rate: equal values are left out
 * with a note, different values fail, since the counter cannot move in no time.
 */
export function rateWithin(column: SeriesColumn, lo: number, hi: number, options: PatternOptions = {}): Verdict {
  const pattern = `rateWithin(${formatNumber(lo)}, ${formatNumber(hi)})`;
  if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) return failed(pattern, column.name, `the bounds are not a range: need lo <= hi, got lo ${lo}, hi ${hi}`);
  const u = usablePoints(column.name, column.points, 'number', options);
  if (!u.ok) return failed(pattern, column.name, u.problem);
  if (u.points.length < 2) return passed(pattern, column.name, [...u.notes, tooShortNote(u.points.length, column.length)]);
  const notes = [...u.notes];
  let sameTime = 0;
  for (let i = 1; i < u.points.length; i++) {
    const prev = u.points[i - 1]!;
    const cur = u.points[i]!;
    const delta = cur.value - prev.value;
    const interval = cur.sample.elapsedMs - prev.sample.elapsedMs;
    const between = `value ${formatNumber(cur.value)}, previous ${formatNumber(prev.value)} (${describeSample(prev.sample)})`;
    if (interval === 0) {
      if (delta !== 0) return failed(pattern, column.name, `${describeSample(cur.sample)}: changed by ${formatNumber(delta)} in 0 ms (${between}); no finite rate`, notes);
      sameTime++;
      continue;
    }
    const rate = delta / interval;
    if (rate < lo || rate > hi) {
      return failed(pattern, column.name,
        `${describeSample(cur.sample)}: rate ${formatNumber(rate)} per ms outside [${formatNumber(lo)}, ${formatNumber(hi)}]: delta ${formatNumber(delta)} over ${formatNumber(interval)} ms (${between})`, notes);
    }
  }
  if (sameTime > 0) notes.push(`${sameTime} pair${sameTime === 1 ? '' : 's'} of samples at the same elapsed time with equal values carried no rate`);
  return passed(pattern, column.name, notes);
}
