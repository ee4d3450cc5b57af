import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellResult } from './cell-result.js';
import { analyzeMessages } from './scenario-analysis.js';
import { threeStepMessages } from './fixtures/three-step-messages.js';

function result(): CellResult {
  const a = analyzeMessages(threeStepMessages);
  return new CellResult({
    cell: 'demo/1n2l2c1t/k', kernel: 'k', topology: { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 }, accel: 'tcg', scheduler: 'ktstr',
    bootedHow: 'restored', bootMs: 1, readyMs: 2, durationMs: 2000, ...a, schedulerExit: null, messages: [...threeStepMessages], consoleLog: '',
  });
}

test('assertions pass and chain when the bounds hold', () => {
  const r = result();
  r.expect.noStall().iterationsAtLeast(2000).gapBelowMs(91).migrationsBelow(100).wakeLatencyBelowUs(200).ranOnlyOn([0, 1], 'a');
  r.expect.inCgroup('b').minorFaultsAtLeast(900).voluntarySwitchesAtLeast(250).migrationsAtLeast(70);
  r.expect.inStep('drain').inCgroup('b').everyWorkerIterationsAtLeast(200).imbalanceBelow(3.1);
});

test('failures name the cell, step, cgroup and worker', () => {
  const r = result();
  assert.throws(() => r.expect.gapBelowMs(50), /^ExpectationError: demo\/1n2l2c1t\/k: cgroup a worker 1 \(pid 101\) waited 90\.0 ms between iterations \(limit 50 ms\)/);
  assert.throws(() => r.expect.inStep('warmup').gapBelowMs(5), /demo\/1n2l2c1t\/k: step warmup: cgroup b worker 0 \(pid 110\) waited 9\.0 ms/);
  assert.throws(() => r.expect.inCgroup('a').spreadBelow(0.1), /cgroup a: cgroup a CPU-time spread 0\.307 >= 0\.1: cgroup a worker 1 \(pid 101\) ran 451\.0 ms, cgroup a worker 0 \(pid 100\) ran 651\.0 ms/);
  assert.throws(() => r.expect.inStep('shuffle').inCgroup('b').iterationsAtLeast(1000), /step shuffle: cgroup b: total iterations 150 < 1000/);
  assert.throws(() => r.expect.migrationsBelow(10), /82 migrations >= 10 \(most: cgroup b worker 0 \(pid 110\) with 70\)/);
  assert.throws(() => r.expect.inCgroup('b').wakeLatencyBelowUs(100), /cgroup b worker 0 \(pid 110\) p99 wake latency 120 us >= 100 us/);
  assert.throws(() => r.expect.inStep('drain').wakeLatencyBelowUs(100), /not per step/);
  assert.throws(() => r.expect.inStep('nope'), /step nope did not run \(steps: warmup, shuffle, drain\)/);
  assert.throws(() => r.expect.inCgroup('zzz'), /no workers of cgroup zzz reported/);
  assert.throws(() => r.expect.imbalanceBelow(2), /CPU load imbalance 9\.00 >= 2/);
});

test('noStall names the workers that made no progress in a step', () => {
  const r = result();
  r.steps[2]!.workers[1]!.iterations = 0;
  assert.throws(() => r.expect.inStep('drain').noStall(), /step drain: no progress from cgroup b worker 1 \(pid 111\)/);
  r.expect.noStall();
});

test('the JSON form carries cgroups, steps and the timeline, not the raw messages', () => {
  const j = JSON.parse(JSON.stringify(result()));
  assert.ok(j.timeline.length === 11 && j.steps.length === 3 && j.cgroups.a.metrics.totalIterations === 2202);
  assert.equal(j.messages, undefined);
  assert.equal(j.metrics.maxImbalanceRatio, 9);
});

test('declared thresholds: withinThresholds checks each through its assertion; a bound-less assertion takes its threshold', () => {
  const r = result();
  assert.throws(() => r.expect.withinThresholds(), /withinThresholds\(\) found no thresholds: declare thresholds/);
  assert.throws(() => r.expect.gapBelowMs(), /gapBelowMs\(\) was called without a bound and no gapMs threshold is declared/);
  r.thresholds = [
    { key: 'gapMs', assertion: 'gapBelowMs', value: 91, unit: 'ms', from: 'scheduler' },
    { key: 'wakeLatencyUs', assertion: 'wakeLatencyBelowUs', value: 200, unit: 'µs', from: 'test' },
  ];
  r.expect.withinThresholds().gapBelowMs();
  // Wake latency is whole-run only: a step scope checks the rest.
  r.expect.inStep('warmup').withinThresholds();
  r.thresholds = [...r.thresholds, { key: 'imbalanceRatio', assertion: 'imbalanceBelow', value: 2, unit: 'ratio', from: 'test' }];
  assert.throws(() => r.expect.withinThresholds(), /CPU load imbalance 9\.00 >= 2/);
  assert.throws(() => r.expect.imbalanceBelow(), /CPU load imbalance 9\.00 >= 2/);
  r.expect.imbalanceBelow(10);
});
