import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellResult } from './cell-result.js';
import { analyzeMessages } from './scenario-analysis.js';
import { threeStepMessages } from './fixtures/three-step-messages.js';
import { SampleSeries } from '../monitor/temporal/sample-series.js';
import type { Sample } from '../monitor/temporal/sample.js';
import { monitorMetrics } from '../monitor/sampler/monitor-metrics.js';
import { disabledMonitor, type MonitorResult } from '../monitor/sampler/monitor-result.js';
import { cellMetricsRecord } from '../stats/cell-metrics-record.js';

// The fixture's scenario starts at guest t 102 ms: warmup runs to 700, shuffle 703–1400, drain 1402–2000.
// In elapsed ms from that start: warmup 0–598, shuffle 601–1298, drain 1300–1898.
function monitor(): MonitorResult {
  const samples: Sample[] = [];
  for (let t = 0; t <= 1800; t += 100) {
    const step = t <= 598 ? 0 : t <= 1298 ? 1 : 2;
    samples.push({
      index: samples.length, elapsedMs: t, kind: 'sample',
      data: {
        cpus: [
          { cpu: 0, nrRunning: step + 1, clock: t * 1e6, scx: { nrRunning: step + 1, flags: 0 }, localDsqDepth: step, idle: false },
          // CPU 1 stops advancing its clock in drain while a task waits on it.
          { cpu: 1, nrRunning: 1, clock: Math.min(t, 1300) * 1e6, scx: { nrRunning: 1, flags: 0 }, localDsqDepth: 0, idle: false },
        ],
        events: { SCX_EV_SELECT_CPU_FALLBACK: t / 100, SCX_EV_DISPATCH_KEEP_LAST: 0 },
      },
    });
  }
  const series = new SampleSeries(samples);
  return {
    enabled: true, intervalMs: 100, series, sampleCount: samples.length, captureCount: 0, captures: [], scenarioStartTMs: 102,
    pausedMs: 0, sampleHostMs: { mean: 0.1, max: 0.2 }, metrics: monitorMetrics(series.samples)!,
  };
}

function result(m: MonitorResult | undefined = monitor()): CellResult {
  const a = analyzeMessages(threeStepMessages);
  return new CellResult({
    cell: 'demo/1n2l2c1t/k', kernel: 'k', topology: { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 }, accel: 'tcg', scheduler: 'ktstr',
    bootedHow: 'restored', bootMs: 1, readyMs: 2, durationMs: 2000, ...a, schedulerExit: null, messages: [...threeStepMessages], consoleLog: '',
    ...(m ? { monitor: m } : {}),
  });
}

test('series() judges a column of the monitor\'s samples; inStep() keeps the step\'s samples only', () => {
  const r = result();
  r.expect.series('events.SCX_EV_SELECT_CPU_FALLBACK').nondecreasing().rateWithin(0, 0.011);
  r.expect.series('cpus[0].clock').strictlyIncreasing();
  assert.throws(() => r.expect.series('cpus[0].nrRunning').steadyWithin(0, 0), /demo\/1n2l2c1t\/k: series cpus\[0\]\.nrRunning: steadyWithin/);
  // Within each step CPU 0's runqueue holds steady at the step's length.
  for (const [step, n] of [['warmup', 1], ['shuffle', 2], ['drain', 3]] as const) {
    const e = r.expect.inStep(step).series('cpus.0.nrRunning').steadyWithin(0, 0).convergesTo(n, 0, 1e9);
    assert.equal(e.column.length, 6, step);
  }
  r.expect.inStep('shuffle').series('cpus.1.clock').strictlyIncreasing();
  assert.throws(() => r.expect.inStep('drain').series('cpus.1.clock').strictlyIncreasing(), /demo\/1n2l2c1t\/k: step drain: series cpus\.1\.clock: strictlyIncreasing/);
  const runnable = r.expect.series('runnable', { project: (d) => (d.cpus as { nrRunning: number }[]).reduce((a, c) => a + c.nrRunning, 0) });
  assert.equal(r.expect.series('cpus.0.clock', { kind: 'capture' }).column.length, 0);
  runnable.nondecreasing();
  assert.throws(() => r.expect.inCgroup('a').series('cpus.0.nrRunning'), /per CPU, not per cgroup/);
});

test('monitor assertions: stalls, DSQ depth, runqueue imbalance and event rates, scoped by step', () => {
  const r = result();
  r.expect.inStep('shuffle').monitor.noStall(2).maxDsqDepthBelow(2).rqImbalanceBelow(2);
  assert.throws(() => r.expect.monitor.noStall(3), /demo\/1n2l2c1t\/k: monitor: 1 stall of 3\+ samples: CPU 1 had 1 runnable but its rq clock stayed at 1300000000 ns for 5 consecutive samples \(sample 14 at 1400 ms to sample 18 at 1800 ms\)/);
  assert.throws(() => r.expect.inStep('drain').monitor.noStall(5), /step drain: monitor: 1 stall/);
  r.expect.monitor.noStall(6);
  assert.throws(() => r.expect.monitor.maxDsqDepthBelow(2), /monitor: local DSQ depth reached 2 >= 2 \(over 19 readings\)/);
  assert.throws(() => r.expect.inStep('drain').monitor.rqImbalanceBelow(2), /runqueue lengths differed by 2 >= 2/);
  r.expect.monitor.fallbackEventsBelow(19).fallbackRateBelow(10.1).keepLastEventsBelow(1).keepLastRateBelow(0.1);
  assert.throws(() => r.expect.monitor.fallbackRateBelow(10), /SCX_EV_SELECT_CPU_FALLBACK grew 10 per second >= 10 per second/);
});

test('without monitor data the assertions fail with the reason, never pass on nothing', () => {
  assert.throws(() => result(disabledMonitor('the monitor is off (monitor: false, or a cell run outside ktstrTest)')).expect.monitor.noStall(),
    /demo\/1n2l2c1t\/k: the monitor did not run: the monitor is off/);
  assert.throws(() => result(null as unknown as undefined).expect.series('cpus.0.nrRunning'), /carries no monitor data/);
  const noEvents = monitor();
  const samples = noEvents.series.samples.map((s) => ({ ...s, data: { ...(s.data as object), events: null } }));
  const r = result({ ...noEvents, series: new SampleSeries(samples) });
  assert.throws(() => r.expect.monitor.fallbackEventsBelow(5), /no reading carried SCX_EV_SELECT_CPU_FALLBACK/);
});

test('the monitor\'s lane joins the timeline without changing its events; its metrics go into the cell record', () => {
  const r = result();
  const before = JSON.stringify(r.timeline);
  const joined = r.timelineWithMonitor();
  assert.equal(JSON.stringify(r.timeline), before);
  assert.equal(joined.filter((e) => e.lane === 'stimulus').length, r.timeline.length);
  assert.equal(joined.filter((e) => e.lane === 'monitor').length, 19);
  for (let i = 1; i < joined.length; i++) assert.ok(joined[i]!.tMs >= joined[i - 1]!.tMs);
  const first = joined.findIndex((e) => e.lane === 'monitor');
  assert.deepEqual(joined[first - 1], { lane: 'stimulus', tMs: 102, event: r.timeline.find((e) => e.tMs === 102) }, 'the step start comes before the reading at the same ms');
  assert.deepEqual(cellMetricsRecord(r).monitor, { maxDsqDepth: 2, stallCount: 1, fallbackEvents: 18, keepLastEvents: 0 });
  assert.equal(cellMetricsRecord(result(disabledMonitor('off'))).monitor, undefined);
  const j = JSON.parse(JSON.stringify(r));
  assert.equal(j.monitor.series.samples.length, 19);
});
