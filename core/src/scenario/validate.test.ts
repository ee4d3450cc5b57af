import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findPreset } from '@ktstr/presets';
import { affinity } from './affinity.js';
import { cgroup } from './cgroup.js';
import { cpuset, resolveCpuset } from './cpuset.js';
import { hold } from './hold.js';
import { op } from './ops.js';
import { policy } from './policy.js';
import { scenario, step, type Scenario } from './scenario.js';
import { validateScenario } from './validate.js';
import { work } from './work.js';

const preset = (name: string) => findPreset(name)!.topology;
const tiny2 = preset('tiny-2llc');
const spin = (name: string, extra: object = {}) => cgroup(name, { workers: 2, work: work.spinWait(), ...extra });
const oneStep = (cgroups: Scenario['cgroups'], ops = cgroups.filter((c) => c.workers).map((c) => op.add(c.name))): Scenario =>
  scenario({ name: 't', cgroups, steps: [step('run', ops, hold.fixed(100))] });

test('an LLC the topology lacks is named by path, preset and LLC count', () => {
  const s = scenario({
    name: 't', cgroups: [spin('a')],
    steps: [step('s0', [op.add('a')], hold.fixed(10)), step('s1', [], hold.fixed(10)), step('s2', [op.setCpuset('a', cpuset.llc(3))], hold.fixed(10))],
  });
  assert.throws(() => validateScenario(s, tiny2), /^KtstrError: steps\[2\]\.ops\[0\]\.cpuset: LLC 3 does not exist on tiny-2llc \(2 LLCs\)/);
  assert.throws(() => validateScenario(s, tiny2), (e: Error & { field?: string }) => e.field === 'steps[2].ops[0].cpuset');
});

test('cgroup fields are checked with their paths', () => {
  const cases: [Scenario, RegExp][] = [
    [oneStep([spin('a'), spin('a')]), /cgroups\[1\]\.name: is used twice \(also cgroups\[0\]\)/],
    [oneStep([spin('a', { workers: 0 })]), /cgroups\[0\]\.workers: must be a whole number from 1 to 1024/],
    [oneStep([spin('a', { nice: 20 })]), /cgroups\[0\]\.nice: must be from -20 to 19/],
    [oneStep([spin('a', { weight: 0 })]), /cgroups\[0\]\.weight/],
    [oneStep([spin('a', { comm: 'a-very-long-comm-name' })]), /cgroups\[0\]\.comm: must be 1-15 characters/],
    [oneStep([spin('a', { policy: policy.fifo(100) })]), /cgroups\[0\]\.policy\.priority: must be from 1 to 99/],
    [oneStep([spin('a', { pcomm: 'app', clone: 'fork' })]), /cgroups\[0\]\.clone: contradicts pcomm/],
    [oneStep([spin('a', { work: { type: 'spin_wait', params: { spin_iters: -1 } } })]), /cgroups\[0\]\.work\.spinIters: must be a whole number from 1/],
    [oneStep([spin('a', { work: { type: 'nope', params: {} } })]), /cgroups\[0\]\.work\.type: is not a known work type/],
    [oneStep([cgroup('a', { workers: 1 })]), /cgroups\[0\]\.work: is missing/],
    [oneStep([spin('a/b/c/d/e')]), /cgroups\[0\]\.name: is not a valid cgroup name/],
    [oneStep([spin('a', { affinity: affinity.randomSubset(9) })]), /cgroups\[0\]\.affinity\.count: must be from 1 to the cgroup's 4 CPUs/],
    [oneStep([spin('a', { cpuset: cpuset.exact([7]) })]), /cgroups\[0\]\.cpuset: names CPU 7, which tiny-2llc does not have \(4 CPUs\)/],
  ];
  for (const [s, re] of cases) assert.throws(() => validateScenario(s, tiny2), re, String(re));
});

test('ops are checked in step order against what is present', () => {
  assert.throws(() => validateScenario(oneStep([spin('a')], [op.spawn('a')]), tiny2), /steps\[0\]\.ops\[0\]\.cgroup: is not present at this point \(spawn needs it/);
  assert.throws(() => validateScenario(oneStep([spin('a')], [op.add('a'), op.add('a')]), tiny2), /steps\[0\]\.ops\[1\]\.cgroup: is already present/);
  assert.throws(() => validateScenario(oneStep([spin('a')], [op.add('b')]), tiny2), /steps\[0\]\.ops\[0\]\.cgroup: is not a defined cgroup/);
  assert.throws(() => validateScenario(oneStep([spin('a')], [op.add('a'), op.remove('a'), op.stop('a')]), tiny2), /ops\[2\]\.cgroup: is not present/);
  assert.throws(() => validateScenario(oneStep([spin('a')], [op.add('a'), op.stop('a', 0)]), tiny2), /ops\[1\]\.count/);
  assert.throws(() => validateScenario(oneStep([spin('a'), spin('b')], [op.add('a'), op.swapCpuset('a', 'b')]), tiny2), /ops\[1\]\.other: is not present/);
  assert.throws(() => validateScenario(oneStep([spin('a', { workers: 1000 })], [op.add('a'), op.spawn('a', 100)]), tiny2), /ops\[1\]\.count: would make 1100 workers alive at once/);
  const loopSpawn = scenario({ name: 't', cgroups: [spin('a')], steps: [step('a', [op.add('a')], hold.fixed(10)), step('b', [op.spawn('a')], hold.looped(hold.fixed(100), 10))] });
  assert.throws(() => validateScenario(loopSpawn, tiny2), /steps\[1\]\.ops\[0\]\.op: cannot be re-applied in a looped step/);
  assert.throws(() => validateScenario(oneStep([spin('a')], [op.add('a'), op.stop('a', 3)]), tiny2), /ops\[1\]\.count: is more than the 2 workers of a running here/);
  const loopNoOps = scenario({ name: 't', cgroups: [spin('a')], steps: [step('a', [op.add('a')], hold.fixed(10)), step('b', [], hold.looped(hold.fixed(100), 10))] });
  assert.throws(() => validateScenario(loopNoOps, tiny2), /steps\[1\]\.hold: loops a step without ops/);
});

test('workers only in leaves: a worker cgroup cannot be nested with another', () => {
  assert.throws(() => validateScenario(oneStep([spin('p'), spin('p/c')]), tiny2), /ops\[1\]\.cgroup: has workers and p\/c below it is present|would nest under p, which has workers/);
  const ok = validateScenario(oneStep([cgroup('p', { cpuset: cpuset.llc(1) }), spin('p/c')]), tiny2);
  assert.deepEqual(ok.cgroups[0]!.cpus, [2, 3]);
});

test('requires rules a topology out before anything else', () => {
  const s = { ...oneStep([spin('a')]), requires: { minLlcs: 3 } };
  assert.throws(() => validateScenario(s, tiny2), /requires\.minLlcs: needs 3 LLCs; tiny-2llc has 2/);
  assert.doesNotThrow(() => validateScenario(s, preset('odd-3llc')));
});

test('cpusets resolve against each preset', () => {
  const cases: [string, Parameters<typeof resolveCpuset>[0], number[]][] = [
    ['tiny-2llc', cpuset.disjoint(1, 2), [2, 3]],
    ['odd-3llc', cpuset.disjoint(0, 2), [0, 1, 2, 3]],
    ['odd-3llc', cpuset.disjoint(1, 2), [4, 5, 6, 7, 8]],
    ['smt-2llc', cpuset.llc(1), [4, 5, 6, 7]],
    ['numa2-4llc', cpuset.node(1), [8, 9, 10, 11, 12, 13, 14, 15]],
    ['tiny-1llc', cpuset.overlapping(0, 2, 0.5), [0, 1, 2]],
    ['tiny-1llc', cpuset.overlapping(1, 2, 0.5), [0, 2, 3]],
    ['tiny-2llc', cpuset.range(0, 0.5), [0, 1]],
    ['odd-3llc', cpuset.range(0.25, 1), [2, 3, 4, 5, 6, 7, 8]],
    ['tiny-2llc', cpuset.exact([3, 1, 1]), [1, 3]],
  ];
  for (const [name, spec, want] of cases) assert.deepEqual(resolveCpuset(spec, preset(name), 'x'), want, `${name} ${JSON.stringify(spec)}`);
  assert.throws(() => resolveCpuset(cpuset.node(1), tiny2, 'c'), /c: NUMA node 1 does not exist on tiny-2llc \(1 NUMA nodes\)/);
  assert.throws(() => resolveCpuset(cpuset.disjoint(0, 5), tiny2, 'c'), /cannot split tiny-2llc's 4 CPUs into 5 parts/);
});

test('affinity intents resolve to per-worker CPU lists; random subsets are seeded', () => {
  const resolve = (intent: Parameters<typeof affinity.exact>[0] | ReturnType<typeof affinity.singleCpu>, t = tiny2, seed?: number) =>
    validateScenario({ ...oneStep([spin('a', { workers: 4, affinity: intent })]), ...(seed !== undefined ? { seed } : {}) }, t).cgroups[0]!.affinity;
  assert.deepEqual(resolve(affinity.singleCpu()), { perWorker: [[0], [1], [2], [3]] });
  assert.deepEqual(resolve(affinity.llcAligned(), preset('odd-3llc')), { perWorker: [[0, 1, 2], [3, 4, 5], [6, 7, 8], [0, 1, 2]] });
  assert.deepEqual(resolve(affinity.exact(cpuset.llc(1))), { all: [2, 3] });
  const r1 = resolve(affinity.randomSubset(3), preset('medium-4llc'), 7);
  const r2 = resolve(affinity.randomSubset(3), preset('medium-4llc'), 7);
  const r3 = resolve(affinity.randomSubset(3), preset('medium-4llc'), 8);
  assert.deepEqual(r1, r2);
  assert.notDeepEqual(r1, r3);
  for (const cpus of (r1 as { perWorker: number[][] }).perWorker) {
    assert.equal(new Set(cpus).size, 3);
    assert.ok(cpus.every((c) => c >= 0 && c < 32));
  }
  const cross = validateScenario(oneStep([spin('home', { cpuset: cpuset.llc(1) }), spin('guest', { affinity: affinity.crossCgroup('home') })]), tiny2);
  assert.deepEqual(cross.cgroups[1]!.affinity, { all: [2, 3] });
  assert.throws(() => validateScenario(oneStep([spin('g', { affinity: affinity.crossCgroup('nope') })]), tiny2), /cgroups\[0\]\.affinity\.cgroup: is not a cgroup with a cpuset/);
});

test('holds resolve against the test duration and sum to the run length', () => {
  const s = scenario({
    name: 't', cgroups: [spin('a')],
    steps: [step('a', [op.add('a')], hold.fraction(0.5)), step('b', [op.setAffinity('a', 'all')], hold.looped(hold.fixed(300), 50))],
  });
  const r = validateScenario(s, tiny2, { durationMs: 1000 });
  assert.deepEqual(r.steps.map((x) => [x.holdMs, x.loopMs]), [[500, undefined], [300, 50]]);
  assert.equal(r.totalHoldMs, 800);
});

test('a scenario is plain data: it survives a JSON round trip unchanged', () => {
  const s = oneStep([spin('a', { cpuset: cpuset.llc(1), affinity: affinity.randomSubset(1), policy: policy.roundRobin(5) })]);
  const back = JSON.parse(JSON.stringify(s)) as Scenario;
  assert.deepEqual(validateScenario(back, tiny2), validateScenario(s, tiny2));
});
