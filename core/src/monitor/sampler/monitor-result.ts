/**
 * `r.monitor`: what the host monitor read during a cell — the series of periodic samples and
 * captures, how it was taken, and, when it took nothing, why.
 */
import { SampleSeries } from '../temporal/sample-series.js';
import type { MonitorMetrics } from './monitor-metrics.js';

export interface CaptureRecord {
  label: string;
  /** Where the capture was planned and where it was taken, in elapsed ms from the scenario's start. */
  plannedMs: number;
  elapsedMs: number;
  /** Host ms the guest was stopped (stop sent to cont answered): subtracted from every later elapsed time. */
  pauseMs: number;
  /** Host ms of the stop round trip, the read, and the cont round trip. */
  stopMs: number;
  readMs: number;
  contMs: number;
  error?: string;
}

export interface MonitorResult {
  /** False when the monitor was off or could not start; `reason` says which. */
  enabled: boolean;
  reason?: string;
  intervalMs: number;
  series: SampleSeries;
  /** Periodic samples and captures in the series. */
  sampleCount: number;
  captureCount: number;
  captures: CaptureRecord[];
  /** The guest's t_ms (the timeline's axis) at elapsed 0: the scenario's start message. Null if it never came. */
  scenarioStartTMs: number | null;
  /** Total ms the guest was kept stopped for captures. */
  pausedMs: number;
  /** Host ms per periodic sample (the reads alone), mean and max. */
  sampleHostMs: { mean: number; max: number } | null;
  /** Where the kernel's symbols came from, and what capturing them cost when this cell had to. */
  symbols?: { source: string; capturedMs?: number };
  /** Undefined when no reading carried runqueue data. */
  metrics?: MonitorMetrics;
}

export function disabledMonitor(reason: string, intervalMs = 0): MonitorResult {
  return {
    enabled: false, reason, intervalMs, series: new SampleSeries([]), sampleCount: 0, captureCount: 0, captures: [],
    scenarioStartTMs: null, pausedMs: 0, sampleHostMs: null,
  };
}
