/**
 * Welch's t-test of two sides' replicas: how likely a difference of means at least this large
 * is when both sides come from the same distribution, without assuming equal variances.
 *
 * Under TCG a metric's replicas spread widely (p99 wake latency and run delay by 30–100 % within
 * one run) and multiplicatively: a slow replica is slow by a factor. So when every value of both
 * sides is positive the test runs on their logarithms, where such noise is symmetric and a
 * change is a ratio; with a 0 among them (stall counts, fallback events) on the values.
 *
 * The t distribution's tails come from jStat's Student t CDF (its regularised incomplete beta
 * function): one dependency-free package rather than a numerical approximation of our own.
 */
import jStat from 'jstat';

export interface WelchResult {
  /** Two-sided p-value: the chance of a |t| at least this large with nothing changed. */
  p: number;
  t: number;
  /** Welch–Satterthwaite degrees of freedom (Infinity when both sides have no spread). */
  df: number;
  /** Whether the test ran on logarithms (every value > 0). */
  log: boolean;
}

function meanAndVariance(xs: readonly number[]): [number, number] {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
  return [mean, variance];
}

/** Null with fewer than two values on a side: there is no spread to judge by. */
export function welchTest(a: readonly number[], b: readonly number[]): WelchResult | null {
  if (a.length < 2 || b.length < 2) return null;
  const log = [...a, ...b].every((x) => x > 0);
  const [ma, va] = meanAndVariance(log ? a.map(Math.log) : a);
  const [mb, vb] = meanAndVariance(log ? b.map(Math.log) : b);
  const sa = va / a.length;
  const sb = vb / b.length;
  const se = Math.sqrt(sa + sb);
  // Neither side varies: any difference is exact, none is no difference at all.
  if (se === 0) return { p: ma === mb ? 1 : 0, t: ma === mb ? 0 : Math.sign(mb - ma) * Infinity, df: Infinity, log };
  const t = (mb - ma) / se;
  const df = (sa + sb) ** 2 / ((sa * sa) / (a.length - 1) + (sb * sb) / (b.length - 1));
  return { p: Math.min(1, 2 * jStat.studentt.cdf(-Math.abs(t), df)), t, df, log };
}
