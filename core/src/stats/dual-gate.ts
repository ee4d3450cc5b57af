/**
 * The dual gate: a change is a regression only when it goes the bad way by at least the
 * absolute threshold *and* by at least the relative one. The absolute gate keeps noise on tiny
 * values (3 migrations becoming 5 is +67 %) from failing a run; the relative gate keeps noise on
 * large values (a million iterations moving by 200) from doing the same.
 */
export interface Thresholds {
  worse: 'higher' | 'lower';
  absolute: number;
  relativePercent: number;
}

export type Verdict =
  /** Crossed both gates the bad way. */
  | 'regressed'
  /** Crossed both gates the good way. */
  | 'improved'
  /** Changed less than a gate, or not at all. */
  | 'unchanged'
  /** The metric is on one side only (e.g. wake latency of work that never blocked): not comparable. */
  | 'coverage';

export interface GateResult {
  verdict: Verdict;
  /** b − a; null when a side lacks the value. */
  delta: number | null;
  /** (b − a) / |a| in percent; null when a is 0 (no relative change can be said) or a side lacks the value. */
  relativePercent: number | null;
}

const present = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

export function dualGate(a: number | null | undefined, b: number | null | undefined, t: Thresholds): GateResult {
  if (!present(a) || !present(b)) return { verdict: present(a) || present(b) ? 'coverage' : 'unchanged', delta: null, relativePercent: null };
  const delta = b - a;
  // From 0 any increase is "infinitely" large relatively: the relative gate cannot judge it, and
  // an absolute change alone is not enough to call a regression (the absolute gate is for noise).
  const relativePercent = a === 0 ? null : (delta / Math.abs(a)) * 100;
  if (delta === 0 || relativePercent === null) return { verdict: 'unchanged', delta, relativePercent };
  const bad = t.worse === 'higher' ? delta : -delta;
  const crosses = Math.abs(delta) >= t.absolute && Math.abs(relativePercent) >= t.relativePercent;
  return { verdict: crosses ? (bad > 0 ? 'regressed' : 'improved') : 'unchanged', delta, relativePercent };
}
