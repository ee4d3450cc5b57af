/**
 * What a test asks of the host monitor (`ktstrTest` options `monitor`, `monitorIntervalMs`,
 * `numSnapshots`), checked once where the test is declared so a bad value fails before a boot.
 */
import { KtstrError } from '../../errors.js';

export interface MonitorOptions {
  /** false: no sampling, no captures, no symbol capture. Default true under ktstrTest. */
  monitor?: boolean;
  /** Time between periodic samples, in ms (default 100). */
  monitorIntervalMs?: number;
  /** Captures (the guest stopped for a consistent snapshot) spread over the workload's 10 %–90 % window. */
  numSnapshots?: number;
}

export const DEFAULT_MONITOR_INTERVAL_MS = 100;

/** The settings a cell's monitor runs with; undefined when the monitor is off. */
export interface MonitorSettings {
  intervalMs: number;
  numSnapshots: number;
}

export function monitorSettings(o: MonitorOptions, where: string): MonitorSettings | undefined {
  if (o.monitor !== undefined && typeof o.monitor !== 'boolean') {
    throw new KtstrError(`${where}.monitor`, o.monitor, 'must be true or false', 'E.g. monitor: false to run without the host monitor.');
  }
  const intervalMs = o.monitorIntervalMs ?? DEFAULT_MONITOR_INTERVAL_MS;
  // Below 10 ms the host's timer and the reads themselves dominate; the guest's tick is 4 ms.
  if (typeof intervalMs !== 'number' || !Number.isInteger(intervalMs) || intervalMs < 10) {
    throw new KtstrError(`${where}.monitorIntervalMs`, intervalMs, 'must be a whole number of ms >= 10', 'E.g. monitorIntervalMs: 100.');
  }
  const numSnapshots = o.numSnapshots ?? 0;
  if (typeof numSnapshots !== 'number' || !Number.isInteger(numSnapshots) || numSnapshots < 0 || numSnapshots > 1000) {
    throw new KtstrError(`${where}.numSnapshots`, numSnapshots, 'must be a whole number from 0 to 1000', 'E.g. numSnapshots: 3.');
  }
  if (o.monitor === false) {
    if (numSnapshots > 0) throw new KtstrError(`${where}.numSnapshots`, numSnapshots, 'needs the monitor, which monitor: false turns off', 'Drop numSnapshots or monitor: false.');
    return undefined;
  }
  return { intervalMs, numSnapshots };
}
