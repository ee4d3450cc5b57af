// Topology-relative placement assertions: one scenario recorded on tiny-2llc and on smt-3llc,
// judged with the same assertions. A spec (cpuset.llc(0)) or a cgroup's own cpuset resolves on
// each cell's topology; fixed CPU numbers are right on one shape only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellResult } from './cell-result.js';
import { ExpectationError } from './expect.js';
import { analyzeMessages } from './scenario-analysis.js';
import { stepCpusets } from './step-cpusets.js';
import { cpuset } from '../scenario/cpuset.js';
import { isScenarioDoesNotFit } from '../scenario/does-not-fit.js';
import { goodPlacement, type Placement, smt3llc, swapLlcs, swapLlcsMessages, tiny2llc } from './fixtures/swap-llcs.js';
import type { Topology } from '../topology/topology.js';

const shapes: [string, Topology][] = [['tiny-2llc', tiny2llc], ['smt-3llc', smt3llc]];

function result(name: string, topology: Topology, placement: Placement, withCpusets = true): CellResult {
  const messages = swapLlcsMessages(placement);
  return new CellResult({
    cell: `swap/${name}/k`, kernel: 'k', topology, accel: 'tcg', scheduler: 'ktstr', bootedHow: 'restored', bootMs: 1, readyMs: 2,
    durationMs: 1800, ...analyzeMessages(messages), ...(withCpusets ? { cpusets: stepCpusets(swapLlcs, topology) } : {}),
    schedulerExit: null, messages, consoleLog: '',
  });
}

const good = (name: string, t: Topology) => result(name, t, goodPlacement[name as 'tiny-2llc']);

for (const [name, t] of shapes) {
  test(`on ${name}: the same spec and own-cpuset assertions pass where the workers stayed in place`, () => {
    const r = good(name, t);
    r.expect.ranOnlyOnItsCpuset();
    r.expect.ranOnlyOnItsCpuset('a').ranOnlyOnItsCpuset('b');
    r.expect.inCgroup('b').ranOnlyOnItsCpuset();
    r.expect.inStep('start').ranOnlyOn(cpuset.llc(0), 'a').ranOnlyOn(cpuset.llc(1), 'b');
    r.expect.inStep('swap').ranOnlyOn(cpuset.llc(1), 'a').ranOnlyOn(cpuset.llc(0), 'b').ranOnlyOnItsCpuset();
    r.expect.inStep('clear').ranOnlyOnItsCpuset('a').ranOnlyOn(cpuset.llc(0), 'b');
  });
}

test('a spec resolves on each cell\'s topology, and a failure shows the spec and its CPUs there', () => {
  // Over the whole run a also ran on LLC 1 (the swap): the message says what llc(0) meant here.
  assert.throws(() => good('tiny-2llc', tiny2llc).expect.ranOnlyOn(cpuset.llc(0), 'a'),
    /^ExpectationError: swap\/tiny-2llc\/k: cgroup a worker 0 \(pid 200\) ran on CPUs 2,3 outside llc\(0\) = CPUs 0,1 on tiny-2llc$/);
  assert.throws(() => good('smt-3llc', smt3llc).expect.ranOnlyOn(cpuset.llc(0), 'a'),
    /^ExpectationError: swap\/smt-3llc\/k: cgroup a worker 0 \(pid 200\) ran on CPUs 4,5,8,9 outside llc\(0\) = CPUs 0,1,2,3 on smt-3llc$/);
  // The numbers of the home shape are wrong on the other one: the reason for specs.
  good('tiny-2llc', tiny2llc).expect.inStep('start').ranOnlyOn([0, 1], 'a');
  assert.throws(() => good('smt-3llc', smt3llc).expect.inStep('start').ranOnlyOn([0, 1], 'a'), /step start: cgroup a worker 0 \(pid 200\) ran on CPUs 2 outside 0,1$/);
});

test('ranOnlyOnItsCpuset judges each step against the cpuset in force in it', () => {
  // smt-3llc, b/0 on CPUs 10,11 in start (outside llc(1) = 4-7); a/1 left on LLC 0 after the swap.
  const p = goodPlacement['smt-3llc'].map((s) => s.map((c) => [...c])) as Placement;
  p[0]![2] = [4, 10, 11];
  const r = result('smt-3llc', smt3llc, p);
  assert.throws(() => r.expect.ranOnlyOnItsCpuset('b'),
    /^ExpectationError: swap\/smt-3llc\/k: in step start, cgroup b worker 0 \(pid 300\) ran on CPUs 10,11 outside its cpuset llc\(1\) = CPUs 4,5,6,7 on smt-3llc$/);
  assert.throws(() => r.expect.inStep('start').ranOnlyOnItsCpuset(),
    /^ExpectationError: swap\/smt-3llc\/k: step start: cgroup b worker 0 \(pid 300\) ran on CPUs 10,11 outside its cpuset llc\(1\) = CPUs 4,5,6,7 on smt-3llc$/);
  r.expect.inStep('swap').ranOnlyOnItsCpuset();
  const q = goodPlacement['tiny-2llc'].map((s) => s.map((c) => [...c])) as Placement;
  q[1]![1] = [1, 3];
  const s = result('tiny-2llc', tiny2llc, q);
  assert.throws(() => s.expect.inStep('swap').ranOnlyOnItsCpuset('a'),
    /step swap: cgroup a worker 1 \(pid 201\) ran on CPUs 1 outside its cpuset llc\(1\) = CPUs 2,3 on tiny-2llc$/);
  // The same placement is fine in `clear`, where a's cpuset is every CPU.
  s.expect.inStep('clear').ranOnlyOnItsCpuset('a');
});

test('a spec the cell\'s topology lacks is the test\'s mistake: it names the gate to add', () => {
  const r = good('tiny-2llc', tiny2llc);
  let caught: unknown;
  try {
    r.expect.ranOnlyOn(cpuset.node(1), 'a');
  } catch (e) {
    caught = e;
  }
  assert.ok(isScenarioDoesNotFit(caught), String(caught));
  assert.deepEqual(caught.gate, { minNumaNodes: 2 });
  assert.match(caught.message, /^swap\/tiny-2llc\/k: ranOnlyOn\(node\(1\)\): NUMA node 1 does not exist on tiny-2llc \(1 NUMA nodes\) \(got 1\)\. Gate the test with \{ minNumaNodes: 2 \}/);
  assert.throws(() => good('smt-3llc', smt3llc).expect.ranOnlyOn(cpuset.llc(5)), (e) => isScenarioDoesNotFit(e) && e.gate.minLlcs === 6);
  // A spec that is wrong on every shape is not a gate problem.
  assert.throws(() => r.expect.ranOnlyOn(cpuset.llc(-1)), (e) => e instanceof ExpectationError && /ranOnlyOn\(llc\(-1\)\): LLC -1 does not exist/.test(e.message));
});

test('ranOnlyOnItsCpuset without the scenario\'s cpusets, or with nothing to check, fails and says why', () => {
  assert.throws(() => result('tiny-2llc', tiny2llc, goodPlacement['tiny-2llc'], false).expect.ranOnlyOnItsCpuset(),
    /carries no per-step cpusets .* use ranOnlyOn\(cpuset\.llc\(0\), \.\.\.\) instead/);
  assert.throws(() => good('tiny-2llc', tiny2llc).expect.ranOnlyOnItsCpuset('c'), /no workers of cgroup c reported to check CPUs of$/);
});

test('with step reports from an agent without per-step CPUs, ranOnlyOnItsCpuset judges the whole run against every cpuset the cgroup had', async () => {
  const { threeStepMessages } = await import('./fixtures/three-step-messages.js');
  const { cgroup, hold, op, scenario, step, work } = await import('../scenario/index.js');
  // The fixture's ops: a on LLC 0 then CPU 0, b on LLC 1 (tiny-2llc).
  const s = scenario({
    name: 'three',
    cgroups: [cgroup('a', { cpuset: cpuset.llc(0), workers: 2, work: work.spinWait() }), cgroup('b', { cpuset: cpuset.llc(1), workers: 1, work: work.spinWait() })],
    steps: [
      step('warmup', [op.add('a'), op.add('b')], hold.fraction(0.3)),
      step('shuffle', [op.setCpuset('a', cpuset.exact([0])), op.spawn('b', 1)], hold.fraction(0.3)),
      step('drain', [op.stop('a', 'all')], hold.fraction(0.3)),
    ],
  });
  const make = (cpusets: ReturnType<typeof stepCpusets>) => new CellResult({
    cell: 'three/tiny-2llc/k', kernel: 'k', topology: tiny2llc, accel: 'tcg', scheduler: 'ktstr', bootedHow: 'restored', bootMs: 1, readyMs: 2,
    durationMs: 2000, ...analyzeMessages(threeStepMessages), cpusets, schedulerExit: null, messages: [...threeStepMessages], consoleLog: '',
  });
  make(stepCpusets(s, tiny2llc)).expect.ranOnlyOnItsCpuset();
  // Had b been on LLC 0 instead, its whole-run CPUs 2,3 are outside every cpuset it had.
  const swapped = { ...s, cgroups: [s.cgroups[0]!, { ...s.cgroups[1]!, cpuset: cpuset.llc(0) }] };
  assert.throws(() => make(stepCpusets(swapped, tiny2llc)).expect.ranOnlyOnItsCpuset('b'),
    /^ExpectationError: three\/tiny-2llc\/k: cgroup b worker 0 \(pid 110\) ran on CPUs 2,3 outside the cpusets it had over the run, llc\(0\) = CPUs 0,1 on tiny-2llc$/);
  // In a step scope, such a recording is refused rather than judged on whole-run CPUs.
  assert.throws(() => make(stepCpusets(s, tiny2llc)).expect.inStep('warmup').ranOnlyOnItsCpuset('a'), /this step's report has no CPUs/);
});
