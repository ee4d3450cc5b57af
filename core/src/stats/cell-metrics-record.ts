/**
 * The measurements a cell's record carries into `ktstr test --json`: the run's, each cgroup's
 * and each step's metrics, without the per-worker samples and the timeline (they stay in the
 * CellResult the test body gets; a results document of a gauntlet must stay small).
 */
import type { CellResult } from '../result/cell-result.js';
import type { CellMetricsRecord, MonitorMetricsRecord } from './run-results.js';

export function cellMetricsRecord(result: CellResult): CellMetricsRecord {
  return {
    run: result.metrics,
    cgroups: Object.fromEntries(Object.entries(result.cgroups).map(([name, c]) => [name, c.metrics])),
    steps: result.steps.map((s) => ({ name: s.name, metrics: s.metrics, cgroups: s.cgroups })),
    ...monitorFields(result),
  };
}

/** Only when the monitor read something: a cell without it has no monitor numbers, not zeros. */
function monitorFields(result: CellResult): { monitor?: MonitorMetricsRecord } {
  const m = result.monitor?.metrics;
  if (!m) return {};
  return { monitor: { maxDsqDepth: m.maxDsqDepth, stallCount: m.stallCount, fallbackEvents: m.fallbackEvents, keepLastEvents: m.keepLastEvents } };
}
