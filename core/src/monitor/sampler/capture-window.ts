/**
 * Where a cell's N captures go: spread evenly strictly inside the workload's 10 %–90 % window,
 * measured from the scenario's start. The edges are left alone because the first and last tenth
 * are the workers starting and stopping, not the steady state a snapshot is meant to show.
 */

export const WINDOW_START = 0.1;
export const WINDOW_END = 0.9;

/**
 * Elapsed ms (from the scenario's start, pauses excluded) of each capture, ascending: the
 * window cut into N + 1 equal parts, one capture at each inner boundary (N = 1: the middle).
 */
export function captureOffsetsMs(n: number, workloadMs: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`capture count must be a whole number >= 0, got ${n}`);
  if (!(workloadMs > 0)) return [];
  const span = (WINDOW_END - WINDOW_START) * workloadMs;
  return Array.from({ length: n }, (_, k) => WINDOW_START * workloadMs + (span * (k + 1)) / (n + 1));
}

/** `periodic_003`: the capture's label, as snapshots are named on a bridge. */
export function captureLabel(k: number): string {
  return `periodic_${String(k).padStart(3, '0')}`;
}
