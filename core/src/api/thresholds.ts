/**
 * Assertion thresholds declared with a scheduler and with a test: what "good enough" means for
 * this scheduler (a cell-partitioning scheduler tolerates a wider spread than a fair one), and
 * what one test tightens or loosens. The test's own value wins over its scheduler's, key by key.
 *
 * They do nothing by themselves — existing verdicts do not change. A body opts in with
 * `r.expect.withinThresholds()` (every resolved threshold), or by calling an assertion without
 * its bound (`r.expect.gapBelowMs()`), which then takes the resolved one. `ktstr
 * show-thresholds TEST` prints what resolves and where each value comes from.
 */
import { KtstrError } from '../errors.js';
import { closest } from '../suggest.js';

export interface AssertThresholds {
  /** spreadBelow: (max − min) / max of the workers' CPU time within a cgroup, 0..1. */
  readonly spread?: number;
  /** gapBelowMs: the longest a worker went between two iterations, ms. */
  readonly gapMs?: number;
  /** migrationRatioBelow: migrations per timeslice of any worker, 0..1. */
  readonly migrationRatio?: number;
  /** imbalanceBelow: most / least loaded CPU, >= 1. */
  readonly imbalanceRatio?: number;
  /** wakeLatencyBelowUs: any worker's p99 wake-to-run latency, µs. */
  readonly wakeLatencyUs?: number;
  /** runDelayBelowUs: mean run delay per timeslice, µs. */
  readonly runDelayUs?: number;
}

export type ThresholdKey = keyof AssertThresholds;

export interface ThresholdField {
  key: ThresholdKey;
  /** The assertion it bounds. */
  assertion: 'spreadBelow' | 'gapBelowMs' | 'migrationRatioBelow' | 'imbalanceBelow' | 'wakeLatencyBelowUs' | 'runDelayBelowUs';
  unit: string;
  /** Why a value is out of range, or undefined when it is fine. */
  invalid(v: number): string | undefined;
}

const positive = (v: number) => (v > 0 ? undefined : 'must be > 0');

export const THRESHOLD_FIELDS: readonly ThresholdField[] = [
  { key: 'spread', assertion: 'spreadBelow', unit: 'fraction', invalid: (v) => (v > 0 && v <= 1 ? undefined : 'must be in (0, 1]') },
  { key: 'gapMs', assertion: 'gapBelowMs', unit: 'ms', invalid: positive },
  { key: 'migrationRatio', assertion: 'migrationRatioBelow', unit: 'fraction', invalid: (v) => (v > 0 && v <= 1 ? undefined : 'must be in (0, 1]') },
  { key: 'imbalanceRatio', assertion: 'imbalanceBelow', unit: 'ratio', invalid: (v) => (v > 1 ? undefined : 'must be > 1 (1 is perfect balance)') },
  { key: 'wakeLatencyUs', assertion: 'wakeLatencyBelowUs', unit: 'µs', invalid: positive },
  { key: 'runDelayUs', assertion: 'runDelayBelowUs', unit: 'µs', invalid: positive },
];

const KEYS = THRESHOLD_FIELDS.map((f) => f.key);

/** Checks a declaration's `thresholds`; `where` is the declaration (`declareScheduler("x")`). */
export function validateThresholds(value: unknown, where: string): AssertThresholds {
  const field = `${where}.thresholds`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new KtstrError(field, value, 'is not an object', `E.g. thresholds: { gapMs: 500, spread: 0.25 }; keys: ${KEYS.join(', ')}.`);
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(value)) {
    const f = THRESHOLD_FIELDS.find((x) => x.key === k);
    if (!f) {
      const near = closest(k, KEYS);
      throw new KtstrError(`${field}.${k}`, v, 'is not a threshold', `${near ? `Did you mean ${near}? ` : ''}Keys: ${KEYS.join(', ')}.`);
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new KtstrError(`${field}.${k}`, v, 'is not a number', `Give the bound of ${f.assertion}() in ${f.unit}.`);
    const bad = f.invalid(v);
    if (bad) throw new KtstrError(`${field}.${k}`, v, bad, `Give the bound of ${f.assertion}() in ${f.unit}.`);
    out[k] = v;
  }
  return out as AssertThresholds;
}

export interface ResolvedThreshold {
  key: ThresholdKey;
  assertion: ThresholdField['assertion'];
  value: number;
  unit: string;
  from: 'scheduler' | 'test';
}

/** The scheduler's thresholds with the test's own over them, in THRESHOLD_FIELDS order. */
export function resolveAssertThresholds(scheduler: AssertThresholds | undefined, test: AssertThresholds | undefined): ResolvedThreshold[] {
  const out: ResolvedThreshold[] = [];
  for (const f of THRESHOLD_FIELDS) {
    const t = test?.[f.key];
    const s = scheduler?.[f.key];
    if (t !== undefined) out.push({ key: f.key, assertion: f.assertion, value: t, unit: f.unit, from: 'test' });
    else if (s !== undefined) out.push({ key: f.key, assertion: f.assertion, value: s, unit: f.unit, from: 'scheduler' });
  }
  return out;
}
