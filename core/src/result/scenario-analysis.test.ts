import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeMessages } from './scenario-analysis.js';
import { threeStepMessages } from './fixtures/three-step-messages.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} != ${b}`);

test('cell metrics come from the final worker reports', () => {
  const { metrics, workers } = analyzeMessages(threeStepMessages);
  assert.equal(workers.length, 4);
  assert.equal(metrics.totalIterations, 1301 + 901 + 400 + 250);
  assert.equal(metrics.totalMigrations, 5 + 4 + 70 + 3);
  assert.equal(metrics.worstGapMs, 90);
  assert.equal(metrics.p99WakeLatencyUs, 120);
  close(metrics.worstMigrationRatio, 70 / 300, 'migration ratio');
  close(metrics.meanRunDelayUs, (60e6 + 120e6 + 12e6 + 2e6) / (81 + 71 + 300 + 60) / 1000, 'run delay');
  assert.equal(workers[3]!.batch, 1);
  assert.equal(workers[3]!.minflt, 900);
  assert.equal(workers[0]!.stoppedStep, 2);
});

test('per-cgroup metrics use only that cgroup\'s workers', () => {
  const { cgroups } = analyzeMessages(threeStepMessages);
  assert.deepEqual(Object.keys(cgroups), ['a', 'b']);
  assert.equal(cgroups.a!.metrics.totalIterations, 2202);
  assert.equal(cgroups.a!.metrics.p99WakeLatencyUs, null);
  close(cgroups.a!.metrics.worstSpread, (651e6 - 451e6) / 651e6, 'a spread');
  assert.equal(cgroups.b!.metrics.worstGapMs, 9);
});

test('per-step metrics are differences of consecutive cumulative step reports', () => {
  const { steps } = analyzeMessages(threeStepMessages);
  assert.deepEqual(steps.map((s) => [s.index, s.name, s.startMs, s.endMs]), [[0, 'warmup', 102, 700], [1, 'shuffle', 703, 1400], [2, 'drain', 1402, 2000]]);
  assert.equal(steps[0]!.metrics.totalIterations, 1900);
  // shuffle: a0 +300, a1 +100, b0 +100, b1 new with 50.
  assert.equal(steps[1]!.metrics.totalIterations, 550);
  assert.equal(steps[1]!.metrics.totalMigrations, 0 + 0 + 10 + 2);
  assert.equal(steps[1]!.metrics.worstGapMs, 90);
  close(steps[1]!.cgroups.a!.worstSpread, (150e6 - 50e6) / 150e6, 'shuffle a spread');
  close(steps[1]!.metrics.meanRunDelayUs, (50e6 + 100e6 + 5e6 + 1e6) / (30 + 30 + 100 + 20) / 1000, 'shuffle run delay');
  // drain: only b reported; b0 +200 (from 200), b1 +200.
  assert.equal(steps[2]!.metrics.totalIterations, 400);
  assert.deepEqual(Object.keys(steps[2]!.cgroups), ['b']);
  assert.equal(steps[2]!.metrics.p99WakeLatencyUs, null);
});

test('imbalance: per-CPU run time per step, most over least loaded; the cell takes the worst step', () => {
  const { steps, metrics, cgroups } = analyzeMessages(threeStepMessages);
  // warmup: a0 500ms over {0,1}, a1 400ms over {0,1} -> 450 each on 0,1; b0 100ms on {2,3} -> 50 each.
  close(steps[0]!.metrics.maxImbalanceRatio, 450 / 50, 'warmup');
  // drain: b0 200ms on {2,3} -> 100 each; b1 200ms on {3} -> CPU3 300, CPU2 100.
  close(steps[2]!.metrics.maxImbalanceRatio, 3, 'drain');
  close(metrics.maxImbalanceRatio, Math.max(...steps.map((s) => s.metrics.maxImbalanceRatio)), 'cell');
  close(cgroups.a!.metrics.maxImbalanceRatio, 1, 'a alone is even on 0 and 1');
});

test('the timeline carries every stimulus with cumulative iterations', () => {
  const { timeline } = analyzeMessages(threeStepMessages);
  assert.deepEqual(timeline.map((e) => [e.kind, e.stepName, e.op ?? '']), [
    ['op', 'warmup', 'add'], ['op', 'warmup', 'add'], ['step_start', 'warmup', ''], ['step_end', 'warmup', ''],
    ['cpuset', 'shuffle', 'set_cpuset'], ['op', 'shuffle', 'spawn'], ['step_start', 'shuffle', ''], ['step_end', 'shuffle', ''],
    ['op', 'drain', 'stop'], ['step_start', 'drain', ''], ['step_end', 'drain', ''],
  ]);
  assert.deepEqual(timeline[4]!.iterations, { 'a/0': 1001, 'a/1': 801, 'b/0': 101 });
  assert.equal(timeline[4]!.arg, '0');
  assert.deepEqual(timeline[10]!.iterations, { 'b/0': 400, 'b/1': 250 });
  assert.ok(timeline.every((e, i) => i === 0 || e.tMs >= timeline[i - 1]!.tMs));
});

test('a step report\'s own CPU lists place that step\'s load, not the whole run\'s', () => {
  // Two workers with equal run time in the step. Over the whole run worker 0 used CPUs 0-1, but
  // in this step both ran on CPU 0 only: all the load is on one CPU (ratio 1), whereas the
  // whole-run lists would have spread worker 0 over CPUs 0 and 1 (1.5 / 0.5 = 3).
  const w = (index: number, cpus: number[] | undefined) => ({ cgroup: 'a', index, iterations: 10, run_ns: 1e6, wait_ns: 0, timeslices: 1, migrations: 0, max_gap_us: 1, ...(cpus ? { cpus } : {}) });
  const worker = (index: number, cpus: number[]) => ({ type: 'worker', t_ms: 9, cgroup: 'a', index, batch: 0, pid: 10 + index, tid: 10 + index, clone: 'fork', started_step: 0, stopped_step: null,
    iterations: 10, run_ns: 1e6, wait_ns: 0, timeslices: 1, migrations: 0, minflt: 0, majflt: 0, nvcsw: 0, nivcsw: 0, cpus, max_gap_us: 1, wake_latency_us_p99: null, notes: [] });
  const messages = (stepCpus: (number[] | undefined)[]) => [
    { type: 'step', t_ms: 1, index: 0, name: 's', phase: 'start' },
    { type: 'step', t_ms: 5, index: 0, name: 's', phase: 'end', workers: [w(0, stepCpus[0]), w(1, stepCpus[1])] },
    worker(0, [0, 1]), worker(1, [0]),
  ] as never;
  assert.equal(analyzeMessages(messages([[0], [0]])).steps[0]!.metrics.maxImbalanceRatio, 1);
  assert.equal(analyzeMessages(messages([undefined, undefined])).steps[0]!.metrics.maxImbalanceRatio, 3);
});
