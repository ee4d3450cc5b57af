import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeriesExpectation } from './series-expectation.js';
import { SampleSeries } from './sample-series.js';
import type { Sample } from './sample.js';

class TestExpectationError extends Error {}
const fail = (message: string): never => { throw new TestExpectationError(message); };
const where = 'sched/1n2l2c1t/7.2: step swap';

function run(): SampleSeries {
  const fallback = [0, 2, 5, 5, 9];
  const selected = [10, 30, 60, 80, 100];
  return new SampleSeries(fallback.map((f, i): Sample => ({
    index: i, elapsedMs: i * 100, kind: i % 2 === 1 ? 'capture' : 'sample', ...(i % 2 === 1 ? { label: `periodic_00${i}` } : {}),
    data: i === 3
      ? { error: 'guest did not stop within 50 ms' }
      : { cpus: [{ nrRunning: 1 }, { nrRunning: i === 4 ? 3 : 1 }], events: { SCX_EV_SELECT_CPU_FALLBACK: f }, stats: { selected: selected[i] } },
  })));
}

test('patterns chain; every verdict and note is kept', () => {
  const s = run();
  const e = new SeriesExpectation(s.field('events.SCX_EV_SELECT_CPU_FALLBACK'), where, fail).skippingGaps()
    .nondecreasing().rateWithin(0, 0.05).ratioWithin('stats.selected', 0, 0.1);
  assert.deepEqual(e.verdicts.map((v) => [v.pattern, v.pass]), [['nondecreasing()', true], ['rateWithin(0, 0.05)', true], ['ratioWithin(stats.selected, 0, 0.1)', true]]);
  assert.equal(e.notes[0], 'sched/1n2l2c1t/7.2: step swap: series events.SCX_EV_SELECT_CPU_FALLBACK: nondecreasing(): skipped 1 sample without data: capture 3 (periodic_003) at 300 ms (PlaceholderSample)');
  assert.equal(e.describe()[1], 'sched/1n2l2c1t/7.2: step swap: series events.SCX_EV_SELECT_CPU_FALLBACK: rateWithin(0, 0.05): passed (skipped 1 sample without data: capture 3 (periodic_003) at 300 ms (PlaceholderSample))');
});

test('a failure throws through fail with the cell, scope, column, pattern, sample and values', () => {
  const s = run();
  assert.throws(() => new SeriesExpectation(s.field('events.SCX_EV_SELECT_CPU_FALLBACK'), where, fail).strictlyIncreasing(),
    (e: unknown) => e instanceof TestExpectationError
      && e.message === 'sched/1n2l2c1t/7.2: step swap: series events.SCX_EV_SELECT_CPU_FALLBACK: strictlyIncreasing(): capture 3 (periodic_003) at 300 ms: PlaceholderSample: events.SCX_EV_SELECT_CPU_FALLBACK: the capture failed: guest did not stop within 50 ms');
  assert.throws(() => new SeriesExpectation(s.field('events.SCX_EV_SELECT_CPU_FALLBACK'), where, fail).skippingGaps().rateWithin(0, 0.025),
    /step swap: series events\.SCX_EV_SELECT_CPU_FALLBACK: rateWithin\(0, 0\.025\): sample 2 at 200 ms: rate 0\.03 per ms outside \[0, 0\.025\]: delta 3 over 100 ms \(value 5, previous 2 \(capture 1 \(periodic_001\) at 100 ms\)\)/);
});

test('the chain stops at the first failure and records it', () => {
  const s = run();
  const e = new SeriesExpectation(s.field('cpus.1.nrRunning'), where, fail).skippingGaps();
  assert.throws(() => e.steadyWithin(0, 0.1).nondecreasing(), /steadyWithin\(0, 0\.1\): sample 0 at 0 ms: value 1 outside 1\.5 ± 10% = \[1\.35, 1\.65\] \(the mean of 4 samples from 0 ms; 4 outside\); the first sample after the warmup/);
  assert.deepEqual(e.verdicts.map((v) => v.pass), [false]);
});

test('skippingGaps shares the record with the expectation it came from', () => {
  const s = run();
  const strict = new SeriesExpectation(s.field('cpus.0.nrRunning'), where, fail);
  strict.skippingGaps().steadyWithin(0, 0).convergesTo(1, 0, 0);
  assert.equal(strict.verdicts.length, 2);
});

test('a boolean invariant from a projection, and a ratio against a projected column', () => {
  const s = run();
  new SeriesExpectation(s.project('no CPU over 3 runnable', (d) => (d.cpus as { nrRunning: number }[]).every((c) => c.nrRunning <= 3)), where, fail).skippingGaps().alwaysTrue();
  const runnable = s.project('runnable', (d) => (d.cpus as { nrRunning: number }[]).reduce((a, c) => a + c.nrRunning, 0));
  assert.throws(() => new SeriesExpectation(s.field('cpus.1.nrRunning'), where, fail).skippingGaps().ratioWithin(runnable, 0.5, 0.5),
    /ratioWithin\(runnable, 0\.5, 0\.5\): sample 4 at 400 ms: ratio 0\.75 outside \[0\.5, 0\.5\] \(cpus\.1\.nrRunning 3, runnable 4\); previous ratio 0\.5 \(sample 2 at 200 ms\)/);
});

test('a misspelt path fails even when skipping gaps', () => {
  assert.throws(() => new SeriesExpectation(run().field('events.SCX_EV_SELECT_CPU_FALLBAK'), where, fail).skippingGaps().nondecreasing(),
    /sample 0 at 0 ms: FieldNotFound: events\.SCX_EV_SELECT_CPU_FALLBAK: events has no key SCX_EV_SELECT_CPU_FALLBAK \(keys: SCX_EV_SELECT_CPU_FALLBACK\)/);
});
