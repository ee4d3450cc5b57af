/**
 * The monitor's readings in an expectation's scope: all of them, or those taken during one step.
 * Samples carry elapsed ms from the scenario's start (its first step's start message), and steps
 * report guest t_ms on the timeline's axis; `scenarioStartTMs` is the one on the other's axis.
 */
import type { CellResult } from './cell-result.js';
import type { Sample } from '../monitor/temporal/sample.js';
import { SampleSeries } from '../monitor/temporal/sample-series.js';

export type MonitorScope = { series: SampleSeries } | { problem: string };

export function monitorScope(r: CellResult, step: string | undefined): MonitorScope {
  const m = r.monitor;
  if (!m) return { problem: 'this result carries no monitor data (only results of a VM run do)' };
  if (!m.enabled) return { problem: `the monitor did not run: ${m.reason ?? 'no reason given'}` };
  if (m.series.length === 0) return { problem: `the monitor read nothing${m.reason ? `: ${m.reason}` : ''}` };
  if (step === undefined) return { series: m.series };
  const st = r.steps.find((s) => s.name === step);
  if (!st || st.startMs === null || m.scenarioStartTMs === null) {
    return { problem: `step ${step} has no reported start, so its samples cannot be told apart` };
  }
  const from = st.startMs - m.scenarioStartTMs;
  // A step still running when the guest stopped reporting runs to the last sample.
  const to = st.endMs !== null ? st.endMs - m.scenarioStartTMs : Infinity;
  return { series: new SampleSeries(m.series.samples.filter((s: Sample) => s.elapsedMs >= from && s.elapsedMs <= to)) };
}
