/**
 * One reading of the guest taken by the host monitor: a periodic sample (read while the guest
 * runs, every ~100 ms) or a capture (the guest stopped, so every field comes from the same
 * instant). Temporal assertions judge a series of these in time order.
 */

/** What a sample read: nested records and arrays, e.g. `{ cpus: [{ nrRunning, scx: {...} }], events: {...} }`. */
export interface SampleData {
  readonly [key: string]: unknown;
}

/**
 * A capture that failed (the guest did not stop in time, a read fault): it keeps its place and
 * time in the series so the gap shows as its cause rather than as a shorter series. Real
 * snapshot data never has a top-level `error` string, so that key marks a placeholder.
 */
export interface PlaceholderData {
  readonly error: string;
}

export interface Sample {
  /** The monitor's number for this reading. */
  readonly index: number;
  /** Guest time since the workload started, less the time the guest spent stopped for captures. */
  readonly elapsedMs: number;
  readonly kind: 'sample' | 'capture';
  /** The capture's name (e.g. `periodic_003`), when it has one. */
  readonly label?: string;
  /** Undefined or null when the monitor recorded the sample but read nothing for it. */
  readonly data: SampleData | PlaceholderData | null | undefined;
}

export function isPlaceholder(data: Sample['data']): data is PlaceholderData {
  return typeof data === 'object' && data !== null && typeof (data as { error?: unknown }).error === 'string';
}

/** `capture 3 (periodic_003) at 412 ms`: how every message names a sample. */
export function describeSample(s: Pick<Sample, 'index' | 'elapsedMs' | 'kind' | 'label'>): string {
  return `${s.kind} ${s.index}${s.label !== undefined ? ` (${s.label})` : ''} at ${formatNumber(s.elapsedMs)} ms`;
}

/** Integers as they are, other numbers to six significant digits: enough to see why a bound broke. */
export function formatNumber(v: number): string {
  if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}
