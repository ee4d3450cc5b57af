/**
 * Fluent temporal assertions on one projected column, in the style of expect.ts:
 * `r.expect.series('events.SCX_EV_SELECT_CPU_FALLBACK').nondecreasing().rateWithin(0, 5)`.
 * Each pattern that fails calls `fail` with the whole message (the cell and scope, the column,
 * the pattern, the sample, its elapsed time and the values); each that passes is kept, with
 * its notes, in `verdicts`.
 */
import type { SeriesColumn } from './series-column.js';
import { describeVerdict, type Verdict } from './verdict.js';
import type { PatternOptions } from './usable-points.js';
import { nondecreasing, strictlyIncreasing } from './monotonic.js';
import { rateWithin } from './rate.js';
import { steadyWithin } from './steady.js';
import { convergesTo } from './converges.js';
import { alwaysTrue } from './always-true.js';
import { ratioWithin } from './ratio.js';

export class SeriesExpectation {
  constructor(
    readonly column: SeriesColumn,
    /** The cell and scope, as expect.ts names them (`sched/1n2l2c1t/7.2: step swap`). */
    private readonly where: string,
    /** Throws the message (expect.ts: `(m) => { throw new ExpectationError(m); }`). */
    private readonly fail: (message: string) => never,
    private readonly options: PatternOptions = {},
    /** Shared with the expectations derived by skippingGaps(), so one chain has one record. */
    private readonly log: Verdict[] = [],
  ) {}

  /**
   * The same column, leaving out samples that carry no data (failed captures, samples read
   * without that part of the guest) instead of failing on them; each pattern notes what it
   * skipped. A wrong path or type still fails.
   */
  skippingGaps(): SeriesExpectation {
    return new SeriesExpectation(this.column, this.where, this.fail, { ...this.options, skipGaps: true }, this.log);
  }

  /** Every pattern judged so far in this chain, passed ones with their notes. */
  get verdicts(): readonly Verdict[] {
    return this.log;
  }

  /** The notes of every pattern judged so far, each naming the cell, column and pattern. */
  get notes(): string[] {
    return this.log.flatMap((v) => v.notes.map((n) => `${this.where}: series ${v.column}: ${v.pattern}: ${n}`));
  }

  /** The chain's verdicts, one line each, for a report. */
  describe(): string[] {
    return this.log.map((v) => `${this.where}: ${describeVerdict(v)}`);
  }

  /** A counter never goes back: v[i] <= v[i+1]. */
  nondecreasing(): this {
    return this.judge(nondecreasing(this.column, this.options));
  }

  /** A counter moves between every two samples: v[i] < v[i+1]. */
  strictlyIncreasing(): this {
    return this.judge(strictlyIncreasing(this.column, this.options));
  }

  /** Change per millisecond between consecutive samples stays in [lo, hi]. */
  rateWithin(lo: number, hi: number): this {
    return this.judge(rateWithin(this.column, lo, hi, this.options));
  }

  /** From `warmupMs` on, every value is within `tolerance` (relative) of their mean. */
  steadyWithin(warmupMs: number, tolerance: number): this {
    return this.judge(steadyWithin(this.column, warmupMs, tolerance, this.options));
  }

  /** Three consecutive samples within target ± tolerance, the first by `deadlineMs`. */
  convergesTo(target: number, tolerance: number, deadlineMs: number): this {
    return this.judge(convergesTo(this.column, target, tolerance, deadlineMs, this.options));
  }

  /** A boolean column is true at every sample. */
  alwaysTrue(): this {
    return this.judge(alwaysTrue(this.column, this.options));
  }

  /** this / other stays in [lo, hi] at every sample; `other` is a path or a column of the same series. */
  ratioWithin(other: string | SeriesColumn, lo: number, hi: number): this {
    const den = typeof other === 'string' ? this.column.series.field(other) : other;
    return this.judge(ratioWithin(this.column, den, lo, hi, this.options));
  }

  private judge(v: Verdict): this {
    this.log.push(v);
    if (!v.pass) this.fail(`${this.where}: ${v.failure!}`);
    return this;
  }
}
