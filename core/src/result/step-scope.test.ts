// Expectations scoped with .inStep() judge the step's own numbers, never the whole run's: in the
// fixture every bound below gives a different verdict for the step than for the run, so an
// expectation that read whole-run numbers in a step scope fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellResult } from './cell-result.js';
import { ExpectationError, type Expectation } from './expect.js';
import { analyzeMessages } from './scenario-analysis.js';
import { threeStepMessages } from './fixtures/three-step-messages.js';
import { widenNarrowMessages } from './fixtures/widen-narrow-messages.js';
import type { GuestMessage } from '../channel/messages.js';

function result(messages: readonly GuestMessage[]): CellResult {
  return new CellResult({
    cell: 'widen/tiny-2llc/k', kernel: 'k', topology: { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 }, accel: 'tcg', scheduler: 'ktstr',
    bootedHow: 'restored', bootMs: 1, readyMs: 2, durationMs: 1800, ...analyzeMessages(messages), schedulerExit: null, messages: [...messages], consoleLog: '',
  });
}

test('ranOnlyOn in a step checks the CPUs of that step, not of the whole run', () => {
  const r = result(widenNarrowMessages);
  // The reported case: a on LLC 0 in `start`, widened in between, so the run saw it on 2,3.
  r.expect.inStep('start').inCgroup('a').ranOnlyOn([0, 1]);
  r.expect.inStep('narrow').inCgroup('a').ranOnlyOn([0, 1]);
  r.expect.inStep('widen').ranOnlyOn([2, 3], 'b').ranOnlyOn([0, 1, 2, 3], 'a');
  assert.throws(() => r.expect.inCgroup('a').ranOnlyOn([0, 1]), /^ExpectationError: widen\/tiny-2llc\/k: cgroup a: cgroup a worker 0 \(pid 126\) ran on CPUs 2,3 outside 0,1$/);
  assert.throws(() => r.expect.inStep('widen').inCgroup('a').ranOnlyOn([0, 1]), /: step widen: cgroup a: cgroup a worker 0 \(pid 126\) ran on CPUs 2,3 outside 0,1$/);
  // Each step's own list, worker by worker: a/1 is on CPU 1 only in `start`.
  assert.throws(() => r.expect.inStep('start').ranOnlyOn([1], 'a'), /step start: cgroup a worker 0 \(pid 126\) ran on CPUs 0 outside 1$/);
  r.expect.inStep('start').inCgroup('a').ranOnlyOn([0, 1]);
  assert.throws(() => r.expect.inStep('narrow').ranOnlyOn([2, 3], 'a'), /step narrow: cgroup a worker 0 \(pid 126\) ran on CPUs 0,1 outside 2,3$/);
  assert.throws(() => r.expect.inStep('widen').ranOnlyOn([2], 'a'), /step widen: cgroup a worker 0 \(pid 126\) ran on CPUs 0,3 outside 2$/);
  assert.deepEqual(r.steps.map((s) => s.workers.map((w) => `${w.cgroup}/${w.index}:${w.cpus.join(',')}`)), [
    ['a/0:0,1', 'a/1:1'],
    ['a/0:0,2,3', 'a/1:1,2', 'a/2:3', 'a/3:2', 'b/0:2,3'],
    ['a/0:0,1', 'a/1:0,1', 'a/2:1', 'a/3:', 'b/0:2,3'],
  ]);
});

test('ranOnlyOn with nothing to check fails instead of passing', () => {
  const r = result(widenNarrowMessages);
  assert.throws(() => r.expect.inStep('start').ranOnlyOn([2, 3], 'b'), /step start: no workers of cgroup b reported to check CPUs of$/);
  assert.throws(() => r.expect.inStep('start').inCgroup('b').ranOnlyOn([2, 3]), /step start: cgroup b: no workers reported/);
});

test('ranOnlyOn in a step refuses a step report without CPUs rather than use the whole run', () => {
  // threeStepMessages is an agent from before per-step CPU lists: its step ends carry no cpus.
  const r = result(threeStepMessages);
  assert.equal(r.steps[0]!.workers[0]!.cpusFromWholeRun, true);
  assert.equal(result(widenNarrowMessages).steps[0]!.workers[0]!.cpusFromWholeRun, undefined);
  assert.throws(() => r.expect.inStep('warmup').ranOnlyOn([0, 1], 'a'), /step warmup: cgroup a worker 0 \(pid 100\): this step's report has no CPUs .*drop \.inStep\(\)/);
  r.expect.ranOnlyOn([0, 1], 'a');
});

// [what, bound, verdict of the whole run, step, verdict of the step]; a failure verdict is the
// message the failure must carry, so each side is shown to use its own number.
type Check = (e: Expectation) => Expectation;
const differing: [string, Check, string | null, string, string | null][] = [
  ['noStall', (e) => e.noStall(), null, 'narrow', 'no progress from cgroup a worker 3 (pid 129)'],
  ['spreadBelow', (e) => e.spreadBelow(0.1), 'cgroup a CPU-time spread 0.708 >= 0.1: cgroup a worker 3 (pid 129) ran 190.0 ms, cgroup a worker 0 (pid 126) ran 650.0 ms', 'start', null],
  ['gapBelowMs', (e) => e.gapBelowMs(5), 'cgroup a worker 0 (pid 126) waited 80.0 ms between iterations (limit 5 ms)', 'start', null],
  ['migrationsBelow', (e) => e.migrationsBelow(10), '67 migrations >= 10 (most: cgroup a worker 0 (pid 126) with 41)', 'start', null],
  ['migrationsAtLeast', (e) => e.migrationsAtLeast(50), null, 'start', '3 migrations < 50'],
  ['migrationRatioBelow', (e) => e.migrationRatioBelow(0.3), 'cgroup a worker 0 (pid 126) migrated on 0.315 of its timeslices (41/130; limit 0.3)', 'start', null],
  ['runDelayBelowUs', (e) => e.runDelayBelowUs(500), 'mean run delay 802.6 us per timeslice >= 500 us', 'start', null],
  ['imbalanceBelow', (e) => e.imbalanceBelow(4), 'CPU load imbalance 5.68 >= 4', 'narrow', null],
  ['iterationsAtLeast', (e) => e.iterationsAtLeast(3000), null, 'start', 'total iterations 1900 < 3000'],
  ['everyWorkerIterationsAtLeast', (e) => e.everyWorkerIterationsAtLeast(500), null, 'narrow', 'cgroup a worker 0 (pid 126) made 300 iterations < 500'],
  ['ranOnlyOn', (e) => e.ranOnlyOn([0, 1], 'a'), 'cgroup a worker 0 (pid 126) ran on CPUs 2,3 outside 0,1', 'narrow', null],
];

function verdict(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (e) {
    if (!(e instanceof ExpectationError)) throw e;
    return e.message;
  }
}

for (const [name, check, whole, step, inStep] of differing) {
  test(`${name} in a step uses the step's numbers`, () => {
    const r = result(widenNarrowMessages);
    const w = verdict(() => check(r.expect));
    const s = verdict(() => check(r.expect.inStep(step)));
    assert.equal(w, whole === null ? null : `widen/tiny-2llc/k: ${whole}`);
    assert.equal(s, inStep === null ? null : `widen/tiny-2llc/k: step ${step}: ${inStep}`);
  });
}

test('expectations on numbers reported only for the whole run refuse a step scope', () => {
  const r = result(widenNarrowMessages);
  r.expect.inCgroup('a').minorFaultsAtLeast(160).voluntarySwitchesAtLeast(12).wakeLatencyBelowUs(1);
  for (const [what, check] of [
    ['page faults', (e: Expectation) => e.minorFaultsAtLeast(1)],
    ['context switches', (e: Expectation) => e.voluntarySwitchesAtLeast(1)],
    ['wake latency', (e: Expectation) => e.wakeLatencyBelowUs(1e9)],
  ] as const) {
    assert.throws(() => check(r.expect.inStep('start').inCgroup('a')),
      new RegExp(`^ExpectationError: widen/tiny-2llc/k: step start: cgroup a: ${what} is reported per worker for the whole run, not per step; drop \\.inStep\\(\\)$`));
  }
});
