/**
 * The metrics `ktstr stats compare` judges, with the direction that is bad and the two
 * thresholds a change must cross to count as a regression (docs/stats.md).
 *
 * Units are those of the stored values (docs/metrics.md). `worstSpread` is a 0..1 fraction, so
 * its absolute threshold of 5 percent points is 0.05 here; every other absolute threshold is in
 * the metric's own unit (ms, µs, counts, ratios). Relative thresholds are percent of side A.
 *
 * The monitor metrics come from the host monitor (`metrics.monitor` of a record) and only for
 * cells it read; a cell without them is a coverage difference, not a zero.
 */
export interface MetricDefault {
  /** The key under `metrics.run` of a cell record, and the column `run.<key>` of cells.parquet. */
  key: string;
  /** Which way is worse. */
  worse: 'higher' | 'lower';
  /** Smallest change in the bad direction that counts, in the metric's unit. */
  absolute: number;
  /** Smallest change in the bad direction that counts, in percent of side A's value. */
  relativePercent: number;
  unit: string;
  /** Produced by the host monitor, for the cells it read. */
  monitor?: true;
  /** Measured by the host around the VM (`metrics.host` of a record), for cells whose QEMU CPU time was read. */
  host?: true;
}

export const METRIC_DEFAULTS: readonly MetricDefault[] = Object.freeze([
  { key: 'worstSpread', worse: 'higher', absolute: 0.05, relativePercent: 25, unit: 'fraction (0.05 = 5 percent points)' },
  { key: 'worstGapMs', worse: 'higher', absolute: 500, relativePercent: 50, unit: 'ms' },
  { key: 'totalMigrations', worse: 'higher', absolute: 10, relativePercent: 30, unit: 'count' },
  { key: 'worstMigrationRatio', worse: 'higher', absolute: 0.05, relativePercent: 20, unit: 'migrations per timeslice' },
  { key: 'maxImbalanceRatio', worse: 'higher', absolute: 1.0, relativePercent: 25, unit: 'ratio' },
  { key: 'p99WakeLatencyUs', worse: 'higher', absolute: 50, relativePercent: 25, unit: 'µs' },
  { key: 'meanRunDelayUs', worse: 'higher', absolute: 50, relativePercent: 25, unit: 'µs' },
  { key: 'totalIterations', worse: 'lower', absolute: 100, relativePercent: 10, unit: 'count' },
  // Judged instead of totalIterations when both sides ran under TCG (compare.ts, tcgThroughput).
  { key: 'iterationsPerVmCpuS', worse: 'lower', absolute: 100, relativePercent: 10, unit: 'iterations per s of QEMU CPU time (judged only when both sides ran under TCG)', host: true },
  { key: 'maxDsqDepth', worse: 'higher', absolute: 10, relativePercent: 50, unit: 'tasks', monitor: true },
  { key: 'stallCount', worse: 'higher', absolute: 1, relativePercent: 50, unit: 'count', monitor: true },
  { key: 'fallbackEvents', worse: 'higher', absolute: 5, relativePercent: 30, unit: 'count', monitor: true },
  { key: 'keepLastEvents', worse: 'higher', absolute: 5, relativePercent: 30, unit: 'count', monitor: true },
].map((m) => Object.freeze(m as MetricDefault)));

export const METRIC_KEYS: readonly string[] = METRIC_DEFAULTS.map((m) => m.key);

/**
 * The host's numbers of `metrics.host` that are stored as columns (`host.<key>`). vmCpuMs,
 * vmWaitMs and hostWaitPercent are shown, never judged: hostWaitPercent decides whether a pair
 * is judged at all (compare.ts, `hostContention`).
 */
export const HOST_METRIC_KEYS: readonly string[] = ['vmCpuMs', 'iterationsPerVmCpuS', 'vmWaitMs', 'hostWaitPercent'];

export function metricDefault(key: string): MetricDefault | undefined {
  return METRIC_DEFAULTS.find((m) => m.key === key);
}
