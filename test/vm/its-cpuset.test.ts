// Topology-relative placement assertions against a real guest on a shape that is not the home
// one (smt-2llc: LLC 0 is CPUs 0-3, LLC 1 is CPUs 4-7): the result carries each step's cpusets
// as the host resolved them, ranOnlyOnItsCpuset follows them through swap, clear and set, and
// a spec fails with the CPUs it meant on this shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellVm, cgroup, cpuset, hold, isScenarioDoesNotFit, op, scenario, step, work } from '@ktstr/core';
import { skipReason, testKernel } from './cell-env.js';

const smt2llc = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 2 };
const HOLD_MS = 500;

const moving = scenario({
  name: 'its-cpuset',
  cgroups: [
    cgroup('a', { cpuset: cpuset.llc(0), workers: 2, work: work.spinWait() }),
    cgroup('b', { cpuset: cpuset.llc(1), workers: 2, work: work.spinWait() }),
  ],
  steps: [
    step('start', [op.add('a'), op.add('b')], hold.fixed(HOLD_MS)),
    step('swap', [op.swapCpuset('a', 'b')], hold.fixed(HOLD_MS)),
    step('narrow', [op.clearCpuset('a'), op.setCpuset('b', cpuset.range(0, 0.25))], hold.fixed(HOLD_MS)),
  ],
});

test('ranOnlyOnItsCpuset follows each step\'s cpusets in a real guest on smt-2llc', { skip: skipReason, timeout: 300_000 }, async () => {
  const vm = await CellVm.boot({ name: 'its-cpuset/smt-2llc', kernel: await testKernel(), topology: smt2llc, durationMs: HOLD_MS * 3 });
  const r = await vm.runScenario(moving);
  assert.deepEqual(r.cpusets?.map((s) => Object.fromEntries(Object.entries(s.cgroups).map(([n, c]) => [n, `${c.spec} = ${c.cpus.join(',')}`]))), [
    { a: 'llc(0) = 0,1,2,3', b: 'llc(1) = 4,5,6,7' },
    { a: 'llc(1) = 4,5,6,7', b: 'llc(0) = 0,1,2,3' },
    { a: 'all CPUs = 0,1,2,3,4,5,6,7', b: 'range(0, 0.25) = 0,1' },
  ]);
  // Every worker ran somewhere in every step, so the checks below have something to judge.
  for (const s of r.steps) assert.ok(s.workers.every((w) => w.cpus.length > 0), `${s.name}: ${JSON.stringify(s.workers.map((w) => w.cpus))}`);
  r.expect.noStall().ranOnlyOnItsCpuset();
  r.expect.inStep('start').ranOnlyOn(cpuset.llc(0), 'a').ranOnlyOn(cpuset.llc(1), 'b');
  r.expect.inStep('swap').ranOnlyOn(cpuset.llc(1), 'a').ranOnlyOnItsCpuset('b');
  // a was on LLC 1 in `swap`: llc(0) means CPUs 0-3 here, not the 0,1 of the home shape.
  assert.throws(() => r.expect.inStep('swap').ranOnlyOn(cpuset.llc(0), 'a'),
    /: step swap: cgroup a worker \d \(pid \d+\) ran on CPUs [4-7](,[4-7])* outside llc\(0\) = CPUs 0,1,2,3 on smt-2llc$/);
  // Over the whole run a ran on both LLCs; its own cpuset, step by step, still holds.
  assert.throws(() => r.expect.ranOnlyOn(cpuset.llc(0), 'a'), /outside llc\(0\) = CPUs 0,1,2,3 on smt-2llc$/);
  assert.throws(() => r.expect.ranOnlyOn(cpuset.node(1)), (e) => isScenarioDoesNotFit(e) && e.gate.minNumaNodes === 2);
});
