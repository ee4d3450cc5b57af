import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenarioCellRecord } from './scenario-run.js';
import type { RunNamedResult } from '../scenario/run-named.js';

const metrics = { worstSpread: 0, worstGapMs: 1, totalMigrations: 0, worstMigrationRatio: 0, maxImbalanceRatio: 1, p99WakeLatencyUs: null, meanRunDelayUs: 0, totalIterations: 5 };
const result = {
  cell: 'cpuset/disjoint/1n2l2c1t/7.2', kernel: '7.2', scheduler: null, topology: { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 },
  metrics, cgroups: { a: { metrics } }, steps: [{ name: 'run', metrics, cgroups: { a: metrics } }],
} as unknown as RunNamedResult['result'];

test('a --scenario cell is recorded under its scenario, its topology standing in for the preset', () => {
  const ok = scenarioCellRecord({ id: 'cpuset/disjoint', result, ok: true }, 1234.6);
  assert.deepEqual([ok.name, ok.test, ok.preset, ok.scenario, ok.scheduler, ok.status, ok.durationMs], ['cpuset/disjoint/1n2l2c1t/7.2', 'cpuset/disjoint', '1n2l2c1t', 'cpuset/disjoint', 'eevdf', 'passed', 1235]);
  assert.equal(ok.schedulerHash, undefined);
  assert.deepEqual(ok.metrics!.cgroups.a, metrics);
  const bad = scenarioCellRecord({ id: 'cpuset/disjoint', result, ok: false, problem: 'cgroup a stalled\nmore' }, 10);
  assert.deepEqual([bad.status, bad.reason], ['failed', 'cgroup a stalled']);
});
