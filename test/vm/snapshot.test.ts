// Cells start from a pristine post-boot snapshot: restored guests are isolated from each other,
// get fresh randomness and the host's wall clock, and give the same verdicts as cold boots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellVm, SCX_KTSTR, SchedulerExitError, cgroup, hold, work, type CellPlan, type CommandSpec } from '@ktstr/core';
import { skipReason, testKernel } from './cell-env.js';

const topology = { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 };

async function boot(name: string, cold: boolean, extra: Partial<CellPlan> = {}): Promise<CellVm> {
  if (cold) process.env.KTSTR_COLD_BOOT = '1';
  else delete process.env.KTSTR_COLD_BOOT;
  try {
    return await CellVm.boot({ name, kernel: await testKernel(), topology, durationMs: 1500, ...extra });
  } finally {
    delete process.env.KTSTR_COLD_BOOT;
  }
}

async function restoredExec(name: string, command: string, extra: Partial<CellPlan> = {}) {
  let vm = await boot(name, false, extra);
  // A scheduler cell may restore the post-attach snapshot of its launch (docs/snapshots.md).
  if (!vm.bootedHow.startsWith('restored')) {
    // The first cell of this key made the snapshot; take the next one from it.
    await vm.destroy();
    vm = await boot(name, false, extra);
  }
  assert.match(vm.bootedHow, /^restored/);
  return vm.runCommand({ exec: command } satisfies CommandSpec);
}

test('nothing a restored cell does is visible to the next one', { skip: skipReason, timeout: 300_000 }, async () => {
  const first = await restoredExec('snapshot/dirty', [
    'cat /proc/sys/kernel/sched_rt_runtime_us',
    'echo dirty > /tmp/marker', 'mkdir /sys/fs/cgroup/leftover', 'echo 900000 > /proc/sys/kernel/sched_rt_runtime_us',
    'cat /sys/kernel/sched_ext/state', 'cat /sys/kernel/sched_ext/root/ops',
  ].join('; '), { scheduler: SCX_KTSTR });
  assert.equal(first.status, 0, first.stderr);
  const [rtRuntime, ...rest] = first.stdout.split('\n');
  assert.match(rtRuntime!, /^\d+$/);
  assert.equal(rest.join('\n'), 'enabled\nktstr\n');
  const second = await restoredExec('snapshot/clean', [
    'test -e /tmp/marker && echo marker', 'test -d /sys/fs/cgroup/leftover && echo cgroup',
    'cat /proc/sys/kernel/sched_rt_runtime_us', 'cat /sys/kernel/sched_ext/state', 'test -e /bin/scx-ktstr && echo scheduler-binary',
  ].join('; '));
  assert.equal(second.stdout, `${rtRuntime}\ndisabled\n`, 'no marker, no cgroup, sysctl at default, no scheduler, no scheduler binary');
});

test('restored guests get fresh randomness and the host wall clock', { skip: skipReason, timeout: 300_000 }, async () => {
  const cmd = 'head -c 16 /dev/urandom | od -An -tx1 | tr -d " \\n"; echo; date +%s';
  const a = await restoredExec('snapshot/random-a', cmd);
  const b = await restoredExec('snapshot/random-b', cmd);
  const [randA, timeA] = a.stdout.trim().split('\n');
  const [randB, timeB] = b.stdout.trim().split('\n');
  assert.match(randA!, /^[0-9a-f]{32}$/);
  assert.notEqual(randA, randB, 'two restores of one snapshot must not produce the same random bytes');
  for (const t of [timeA, timeB]) assert.ok(Math.abs(Number(t) - Date.now() / 1000) < 60, `guest wall clock ${t} is the host's`);
});

test('cold and restored cells give the same verdicts', { skip: skipReason, timeout: 600_000 }, async () => {
  const verdict = async (cold: boolean, knob: string[]): Promise<string> => {
    let vm = await boot(`equivalence/${knob.join('') || 'none'}/${cold ? 'cold' : 'restored'}`, cold, { scheduler: SCX_KTSTR, extraSchedArgs: knob });
    if (!cold && !vm.bootedHow.startsWith('restored')) {
      await vm.destroy();
      vm = await boot(`equivalence/${knob.join('')}/restored`, cold, { scheduler: SCX_KTSTR, extraSchedArgs: knob });
    }
    try {
      const r = await vm.run([
        cgroup('victim', { workers: 1, work: work.spinWait(), comm: 'victim' }),
        cgroup('load', { workers: 2, work: work.yieldHeavy() }),
      ], hold.fixed(5000));
      r.expect.noStall();
      return 'pass';
    } catch (e) {
      if (e instanceof SchedulerExitError) return /stall/.test(e.result.schedulerExit!.reason) ? 'stall' : /error knob/.test(e.message) ? 'error' : e.message;
      throw e;
    }
  };
  for (const knob of [[], ['--error-after', '300'], ['--stall-comm', 'victim', '--timeout-ms', '2000']]) {
    const cold = await verdict(true, knob);
    const restored = await verdict(false, knob);
    assert.equal(restored, cold, `verdicts differ for ${knob.join(' ') || 'no knob'}`);
    assert.equal(cold, knob.length === 0 ? 'pass' : knob[0] === '--error-after' ? 'error' : 'stall');
  }
});
