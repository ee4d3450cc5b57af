/**
 * Cross-field correlation: two columns of the same samples move together, e.g. fallback
 * selections stay under a tenth of all selections. Judged per sample, on the two values read
 * at the same instant.
 */
import { describeSample, formatNumber } from './sample.js';
import type { SeriesColumn, SeriesPoint } from './series-column.js';
import { failed, passed, type Verdict } from './verdict.js';
import { tooShortNote, usablePoints, type PatternOptions } from './usable-points.js';

/**
 * lo <= this / other <= hi at every sample where both are usable. A zero denominator fails and
 * is named; it is not divided (0/0 is no evidence of a ratio, x/0 is no number). Like
 * alwaysTrue, a single usable sample is still judged.
 */
export function ratioWithin(column: SeriesColumn, other: SeriesColumn, lo: number, hi: number, options: PatternOptions = {}): Verdict {
  const pattern = `ratioWithin(${other.name}, ${formatNumber(lo)}, ${formatNumber(hi)})`;
  if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) return failed(pattern, column.name, `the bounds are not a range: need lo <= hi, got lo ${lo}, hi ${hi}`);
  if (other.series !== column.series && !sameSamples(column.points, other.points)) {
    return failed(pattern, column.name, `${other.name} was projected from other samples (${other.length} against ${column.length}); project both columns from one series`);
  }
  const num = usablePoints(column.name, column.points, 'number', options);
  if (!num.ok) return failed(pattern, column.name, num.problem);
  const den = usablePoints(other.name, other.points, 'number', options);
  if (!den.ok) return failed(pattern, column.name, den.problem);
  // With skipGaps either side may have left a sample out; judge the samples both kept.
  const denAt = new Map(den.points.map((p) => [p.pos, p]));
  const pairs = num.points.filter((p) => denAt.has(p.pos)).map((p) => ({ n: p, d: denAt.get(p.pos)! }));
  const notes = [...num.notes, ...den.notes.map((n) => `${other.name}: ${n}`)];
  if (pairs.length < 2) notes.push(tooShortNote(pairs.length, column.length));
  let prev: { ratio: number; at: string } | undefined;
  for (const { n, d } of pairs) {
    const at = describeSample(n.sample);
    const values = `${column.name} ${formatNumber(n.value)}, ${other.name} ${formatNumber(d.value)}`;
    if (d.value === 0) return failed(pattern, column.name, `${at}: denominator ${other.name} is 0 (${values}); no ratio`, notes);
    const ratio = n.value / d.value;
    if (ratio < lo || ratio > hi) {
      return failed(pattern, column.name,
        `${at}: ratio ${formatNumber(ratio)} outside [${formatNumber(lo)}, ${formatNumber(hi)}] (${values}); `
        + (prev ? `previous ratio ${formatNumber(prev.ratio)} (${prev.at})` : 'the first usable sample'), notes);
    }
    prev = { ratio, at };
  }
  return passed(pattern, column.name, notes);
}

function sameSamples(a: readonly SeriesPoint[], b: readonly SeriesPoint[]): boolean {
  return a.length === b.length && a.every((p, i) => {
    const q = b[i]!.sample;
    return p.sample.index === q.index && p.sample.elapsedMs === q.elapsedMs && p.sample.kind === q.kind;
  });
}
