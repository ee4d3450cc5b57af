// The cpuset in force per step, replayed from the scenario: where the scenario leaves several
// possible (a looped swap, a move), every possibility counts, so correct placements never fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepCpusets } from './step-cpusets.js';
import { cgroup, cpuset, hold, op, scenario, step, work } from '../scenario/index.js';
import { smt3llc, swapLlcs, tiny2llc } from './fixtures/swap-llcs.js';

const spin = { workers: 1, work: work.spinWait() };
const show = (s: ReturnType<typeof stepCpusets>) => s.map((x) => Object.fromEntries(Object.entries(x.cgroups).map(([n, c]) => [n, `${c.spec} = ${c.cpus.join(',')}`])));

test('add, swap and clear, resolved on two topologies', () => {
  assert.deepEqual(show(stepCpusets(swapLlcs, tiny2llc)), [
    { a: 'llc(0) = 0,1', b: 'llc(1) = 2,3' },
    { a: 'llc(1) = 2,3', b: 'llc(0) = 0,1' },
    { a: 'all CPUs = 0,1,2,3', b: 'llc(0) = 0,1' },
  ]);
  assert.deepEqual(show(stepCpusets(swapLlcs, smt3llc))[0], { a: 'llc(0) = 0,1,2,3', b: 'llc(1) = 4,5,6,7' });
});

test('a looped swap leaves either cpuset possible, in its step and after it', () => {
  const s = scenario({
    name: 'loop',
    cgroups: [cgroup('a', { cpuset: cpuset.disjoint(0, 2), ...spin }), cgroup('b', { cpuset: cpuset.disjoint(1, 2), ...spin })],
    steps: [
      step('warmup', [op.add('a'), op.add('b')], hold.fraction(0.3)),
      step('swap', [op.swapCpuset('a', 'b')], hold.looped(hold.fraction(0.4), 100)),
      step('after', [], hold.fraction(0.3)),
      step('pin', [op.setCpuset('a', cpuset.exact([3]))], hold.fraction(0.3)),
    ],
  });
  assert.deepEqual(show(stepCpusets(s, tiny2llc)), [
    { a: 'disjoint(0, 2) = 0,1', b: 'disjoint(1, 2) = 2,3' },
    { a: 'disjoint(1, 2) or disjoint(0, 2) = 0,1,2,3', b: 'disjoint(0, 2) or disjoint(1, 2) = 0,1,2,3' },
    { a: 'disjoint(1, 2) or disjoint(0, 2) = 0,1,2,3', b: 'disjoint(0, 2) or disjoint(1, 2) = 0,1,2,3' },
    { a: 'exact([3]) = 3', b: 'disjoint(0, 2) or disjoint(1, 2) = 0,1,2,3' },
  ]);
});

test('nested cgroups take their parent\'s CPUs; moved workers may be in their new cgroup\'s; removed cgroups are gone', () => {
  const s = scenario({
    name: 'nest',
    cgroups: [cgroup('p', { cpuset: cpuset.llc(1) }), cgroup('p/c', spin), cgroup('p/d', { cpuset: cpuset.llc(0), ...spin }), cgroup('q', { cpuset: cpuset.llc(0), ...spin })],
    steps: [
      step('start', [op.add('p'), op.add('p/c'), op.add('p/d'), op.add('q')], hold.fraction(0.5)),
      step('move', [op.move('q', 'p/c'), op.remove('p/d')], hold.fraction(0.5)),
    ],
  });
  assert.deepEqual(show(stepCpusets(s, tiny2llc)), [
    // p/d asks for LLC 0 outside its parent's LLC 1: the kernel gives it the parent's CPUs.
    { p: 'llc(1) = 2,3', 'p/c': 'llc(1) = 2,3', 'p/d': 'llc(1) = 2,3', q: 'llc(0) = 0,1' },
    { p: 'llc(1) = 2,3', 'p/c': 'llc(1) = 2,3', q: 'llc(0) or, where its workers were moved, llc(1) = 0,1,2,3' },
  ]);
});
