// A scenario asking a topology for what it lacks fails with a typed error carrying the test gate
// that rules such topologies out, and a failed cell's report classifies it by that error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenario } from './validate.js';
import { cgroup, cpuset, hold, oneStepScenario, scenario, step, op, work } from './index.js';
import { isScenarioDoesNotFit, type ScenarioDoesNotFitError } from './does-not-fit.js';
import { failureReport } from '../runner/failure-report.js';
import type { Topology } from '../topology/topology.js';

const tiny1: Topology = { numaNodes: 1, llcs: 1, coresPerLlc: 4, threadsPerCore: 1 };
const tiny2: Topology = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };
const spin = { workers: 1, work: work.spinWait() };

function caught(run: () => unknown): ScenarioDoesNotFitError {
  try {
    run();
  } catch (e) {
    if (isScenarioDoesNotFit(e)) return e;
    throw e;
  }
  assert.fail('no error');
}

test('each topology shortfall carries its gate', () => {
  const llc = caught(() => validateScenario(oneStepScenario([cgroup('a', { cpuset: cpuset.llc(0), ...spin }), cgroup('b', { cpuset: cpuset.llc(1), ...spin })], hold.fraction(1)), tiny1));
  assert.deepEqual(llc.gate, { minLlcs: 2 });
  assert.equal(llc.topology, 'tiny-1llc');
  // The message is the validator's usual one; only the type and the gate are new.
  assert.match(llc.message, /^cgroups\[1\]\.cpuset: LLC 1 does not exist on tiny-1llc \(1 LLCs\) \(got 1\)\. .*requires: \{ minLlcs: 2 \} \(and the test with minLlcs: 2\)\.$/);
  assert.equal(llc.name, 'KtstrError');
  const later = scenario({ name: 'x', cgroups: [cgroup('a', spin)], steps: [step('s', [op.add('a'), op.setCpuset('a', cpuset.node(2))], hold.fraction(1))] });
  assert.deepEqual(caught(() => validateScenario(later, tiny2)).gate, { minNumaNodes: 3 });
  assert.deepEqual(caught(() => validateScenario(oneStepScenario([cgroup('a', { cpuset: cpuset.disjoint(0, 6), ...spin })], hold.fraction(1)), tiny2)).gate, { minCpus: 6 });
  assert.deepEqual(caught(() => validateScenario(oneStepScenario([cgroup('a', { cpuset: cpuset.exact([1, 7]), ...spin })], hold.fraction(1)), tiny2)).gate, { minCpus: 8 });
  const smt = { ...oneStepScenario([cgroup('a', spin)], hold.fraction(1)), requires: { smt: true } };
  assert.deepEqual(caught(() => validateScenario(smt, tiny2)).gate, { requiresSmt: true });
  const llcs = { ...oneStepScenario([cgroup('a', spin)], hold.fraction(1)), requires: { minLlcs: 3 } };
  assert.deepEqual(caught(() => validateScenario(llcs, tiny2)).gate, { minLlcs: 3 });
});

test('mistakes that no topology fixes are plain errors, not gate problems', () => {
  for (const bad of [cpuset.llc(-1), cpuset.disjoint(0, 0), cpuset.exact([1.5])]) {
    assert.throws(() => validateScenario(oneStepScenario([cgroup('a', { cpuset: bad, ...spin })], hold.fraction(1)), tiny2), (e) => e instanceof Error && !isScenarioDoesNotFit(e));
  }
});

test('a failed cell\'s report marks a does-not-fit error with its gate; other errors have no kind', () => {
  const e = caught(() => validateScenario(oneStepScenario([cgroup('b', { cpuset: cpuset.llc(1), ...spin })], hold.fraction(1)), tiny1));
  const r = failureReport(e, 'x/tiny-1llc/k');
  assert.equal(r.kind, 'scenario-does-not-fit');
  assert.deepEqual(r.gate, { minLlcs: 2 });
  assert.match(r.reason, /^cgroups\[0\]\.cpuset: LLC 1 does not exist on tiny-1llc/);
  const other = failureReport(new Error('x/tiny-1llc/k: boom'), 'x/tiny-1llc/k');
  assert.equal(other.kind, undefined);
  assert.equal(other.gate, undefined);
});
