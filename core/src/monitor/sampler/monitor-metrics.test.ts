import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sample } from '../temporal/sample.js';
import { monitorMetrics } from './monitor-metrics.js';

const rq = (cpu: number, nrRunning: number, clock: number, localDsqDepth = 0) => ({ cpu, nrRunning, clock, scx: { nrRunning, flags: 0 }, localDsqDepth, idle: false });

test('max DSQ depth, runqueue imbalance and event growth over the readings', () => {
  const samples: Sample[] = [
    { index: 0, elapsedMs: 0, kind: 'sample', data: { cpus: [rq(0, 1, 1), rq(1, 1, 1)], events: { SCX_EV_SELECT_CPU_FALLBACK: 10, SCX_EV_DISPATCH_KEEP_LAST: 0 } } },
    { index: 1, elapsedMs: 500, kind: 'capture', label: 'periodic_000', data: { cpus: [rq(0, 4, 2, 3), rq(1, 1, 2)], events: { SCX_EV_SELECT_CPU_FALLBACK: 15, SCX_EV_DISPATCH_KEEP_LAST: 2 } } },
    { index: 2, elapsedMs: 1000, kind: 'sample', data: { error: 'the read failed' } },
    { index: 3, elapsedMs: 2000, kind: 'sample', data: { cpus: [rq(0, 1, 3, 1), null], events: { SCX_EV_SELECT_CPU_FALLBACK: 30, SCX_EV_DISPATCH_KEEP_LAST: 4 } } },
  ];
  const m = monitorMetrics(samples)!;
  assert.equal(m.samples, 3);
  assert.equal(m.maxDsqDepth, 3);
  assert.equal(m.maxRqImbalance, 3);
  assert.equal(m.fallbackEvents, 20);
  assert.equal(m.fallbackRatePerSec, 10);
  assert.equal(m.keepLastEvents, 4);
  assert.equal(m.stallCount, 0);
});

test('no runqueue data, no metrics; no event counters, null events', () => {
  assert.equal(monitorMetrics([]), undefined);
  assert.equal(monitorMetrics([{ index: 0, elapsedMs: 0, kind: 'sample', data: { error: 'x' } }]), undefined);
  const m = monitorMetrics([{ index: 0, elapsedMs: 0, kind: 'sample', data: { cpus: [rq(0, 0, 1)], events: null } }])!;
  assert.equal(m.fallbackEvents, null);
  assert.equal(m.keepLastRatePerSec, null);
});
