/**
 * The measurements a cell's record carries into `ktstr test --json`: the run's, each cgroup's
 * and each step's metrics, without the per-worker samples and the timeline (they stay in the
 * CellResult the test body gets; a results document of a gauntlet must stay small).
 */
import type { CellResult } from '../result/cell-result.js';
import type { CellMetricsRecord } from './run-results.js';

export function cellMetricsRecord(result: CellResult): CellMetricsRecord {
  return {
    run: result.metrics,
    cgroups: Object.fromEntries(Object.entries(result.cgroups).map(([name, c]) => [name, c.metrics])),
    steps: result.steps.map((s) => ({ name: s.name, metrics: s.metrics, cgroups: s.cgroups })),
  };
}
