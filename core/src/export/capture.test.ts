import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroup, cpuset, hold, work } from '../scenario/index.js';
import { captureTest, verifyTest, type ExportTarget } from './capture.js';
import { checksFile } from './recorded-checks.js';

const target: ExportTarget = { name: 't/1n2l2c1t/runfile', topology: { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 }, durationMs: 1000, schedTimeoutMs: 20000,
  scheduler: { guestPath: '@KTSTR_DIR@/bin/scx', args: ['-v'] } };

test("the body's scenario becomes the cell it would send, and its assertions data with cpusets resolved", async () => {
  const c = await captureTest(async (vm: never) => {
    const r = await (vm as { run: Function }).run([cgroup('b', { cpuset: cpuset.llc(1), workers: 2, work: work.spinWait() })], hold.fraction(1));
    r.expect.noStall().inCgroup('b').ranOnlyOn(cpuset.llc(1)).imbalanceBelow(2);
    r.expect.inStep('run').gapBelowMs(40);
    console.log(r.metrics.totalIterations); // reading data to print it is harmless
  }, target);
  assert.match(c.cell, /^ktstr-cell 2\nscheduler @KTSTR_DIR@\/bin\/scx\nsched_arg -v\nsched_timeout_ms 20000\n/);
  assert.match(c.cell, /cgroup b\ncpuset 2-3\nworkers 2\nwork spin_wait\n/);
  assert.equal(c.totalHoldMs, 1000);
  assert.deepEqual(c.checks.map((x) => x.text), [
    'expect.noStall()', 'expect.inCgroup("b").ranOnlyOn(llc(1))', 'expect.inCgroup("b").imbalanceBelow(2)', 'expect.inStep("run").gapBelowMs(40)',
  ]);
  assert.deepEqual(c.checks[1]!.args, [[2, 3]]);
  assert.deepEqual(c.hostOnly, ['expect.inCgroup("b").imbalanceBelow(2): not evaluated by the runfile']);
  // The checks file has no line for what the runfile cannot judge.
  assert.doesNotMatch(checksFile(c.checks.slice(0, 3), c.cpusets), /imbalanceBelow/);
});

test('a body that judges the data itself is marked host-only; a body without a scenario is refused', async () => {
  const c = await captureTest(async (vm: never) => {
    const r = await (vm as { run: Function }).run([cgroup('a', { workers: 1, work: work.spinWait() })], hold.fraction(1));
    if (r.metrics.totalIterations < 1) throw new Error('no iterations at all');
  }, target);
  assert.match(c.hostOnly[0]!, /the body checks the result itself \(at export it threw: no iterations at all\)/);
  await assert.rejects(captureTest(async () => {}, target), /ran no scenario/);
  await assert.rejects(captureTest(async (vm: never) => {
    await (vm as { runCommand: Function }).runCommand({ exec: 'true' });
  }, target), /vm\.runCommand\(\), which a runfile cannot do/);
});

test('--verify replays the body: a run that was cut short fails with why', async () => {
  const body = async (vm: never) => {
    const r = await (vm as { run: Function }).run([cgroup('a', { workers: 1, work: work.spinWait() })], hold.fraction(1));
    r.expect.noStall();
  };
  const v = await verifyTest(body, target, [{ type: 'ready', t_ms: 1, scheduler: null, attach_ms: 0 }]);
  assert.deepEqual(v, { verdict: 'fail', reason: 't/1n2l2c1t/runfile: the run on the target has no done message (it was cut short)' });
});
