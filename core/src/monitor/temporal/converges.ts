/**
 * Convergence: after a disturbance (a cpuset swap, a burst) a gauge settles at a target by a
 * deadline. One in-band reading can be a crossing on the way past; three in a row is settled.
 */
import { describeSample, formatNumber } from './sample.js';
import type { SeriesColumn } from './series-column.js';
import { failed, passed, type Verdict } from './verdict.js';
import { tooShortNote, usablePoints, type PatternOptions, type UsablePoint } from './usable-points.js';

const RUN = 3;

/**
 * Three consecutive usable samples lie within [target - tolerance, target + tolerance]
 * (absolute: a target of 0 is common), the first of them at or before `deadlineMs`. With
 * `skipGaps`, a skipped sample breaks a run: the three must be read back to back. Every sample
 * is checked for projection errors, including those after the witness.
 */
export function convergesTo(column: SeriesColumn, target: number, tolerance: number, deadlineMs: number, options: PatternOptions = {}): Verdict {
  const pattern = `convergesTo(${formatNumber(target)}, ${formatNumber(tolerance)}, ${formatNumber(deadlineMs)})`;
  if (!Number.isFinite(target) || !(tolerance >= 0) || Number.isNaN(deadlineMs)) {
    return failed(pattern, column.name, `target must be a finite number and tolerance a number >= 0, got ${target} and ${tolerance}`);
  }
  const u = usablePoints(column.name, column.points, 'number', options);
  if (!u.ok) return failed(pattern, column.name, u.problem);
  if (u.points.length < 2) return passed(pattern, column.name, [...u.notes, tooShortNote(u.points.length, column.length)]);
  const lo = target - tolerance;
  const hi = target + tolerance;
  const band = `[${formatNumber(lo)}, ${formatNumber(hi)}]`;
  const inBand = (p: UsablePoint<number>) => p.value >= lo && p.value <= hi;

  let run: UsablePoint<number>[] = [];
  let longestBefore: UsablePoint<number>[] = [];
  let late: UsablePoint<number> | undefined;
  for (const p of u.points) {
    const last = run.at(-1);
    if (!inBand(p) || (last !== undefined && p.pos !== last.pos + 1)) run = [];
    if (inBand(p)) run.push(p);
    if (run.length > 0 && run[0]!.sample.elapsedMs <= deadlineMs && run.length > longestBefore.length) longestBefore = [...run];
    if (run.length === RUN) {
      // Runs are found in time order, so the first complete one has the earliest start.
      if (run[0]!.sample.elapsedMs <= deadlineMs) {
        return passed(pattern, column.name, [...u.notes, `within ${band} from ${describeSample(run[0]!.sample)}`]);
      }
      late = run[0]!;
      break;
    }
  }
  const atDeadline = u.points.filter((p) => p.sample.elapsedMs <= deadlineMs);
  const last = atDeadline.at(-1);
  const prev = atDeadline.at(-2);
  const state = last
    ? `by the deadline, ${describeSample(last.sample)} read ${formatNumber(last.value)}`
      + (prev ? `, previous ${formatNumber(prev.value)} (${describeSample(prev.sample)})` : '')
    : `no sample was taken by the deadline (the first is ${describeSample(u.points[0]!.sample)})`;
  const best = longestBefore.length > 0 ? `; the longest run in band starting by then was ${longestBefore.length} from ${describeSample(longestBefore[0]!.sample)}` : '';
  const why = late
    ? `first held within ${band} for ${RUN} consecutive samples from ${describeSample(late.sample)}, after the deadline ${formatNumber(deadlineMs)} ms`
    : u.points.length < RUN
      ? `needs ${RUN} consecutive samples within ${band} by ${formatNumber(deadlineMs)} ms; the series has only ${u.points.length} usable`
      : `never held within ${band} for ${RUN} consecutive samples starting by ${formatNumber(deadlineMs)} ms`;
  return failed(pattern, column.name, `${why}; ${state}${best}`, u.notes);
}
