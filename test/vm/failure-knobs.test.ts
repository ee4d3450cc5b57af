// The fixture scheduler's failure knobs must fail a cell, and the failure must carry the
// kernel's own words: the scx_bpf_error text, or the watchdog's stall report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellVm, SCX_KTSTR, SchedulerExitError, cgroup, hold, work } from '@ktstr/core';
import { skipReason, testKernel } from './cell-env.js';

const topology = { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 };

async function runExpectingExit(name: string, extraSchedArgs: string[], cgroups: Parameters<CellVm['run']>[0]): Promise<SchedulerExitError> {
  const vm = await CellVm.boot({ name, kernel: await testKernel(), topology, scheduler: SCX_KTSTR, extraSchedArgs, durationMs: 8000 });
  try {
    await vm.run(cgroups, hold.fraction(1));
  } catch (e) {
    if (e instanceof SchedulerExitError) return e;
    throw e;
  }
  assert.fail(`${name}: the scheduler was expected to exit`);
}

test('the error knob fails the cell with the scheduler\'s exit message', { skip: skipReason, timeout: 180_000 }, async () => {
  const e = await runExpectingExit('knob/error', ['--error-after', '200'], [cgroup('load', { workers: 2, work: work.yieldHeavy() })]);
  assert.match(e.message, /error knob fired/);
  assert.equal(e.result.schedulerExit?.phase, 'run');
});

test('the stall knob fails the cell with the watchdog\'s reason', { skip: skipReason, timeout: 180_000 }, async () => {
  const e = await runExpectingExit('knob/stall', ['--stall-comm', 'victim', '--timeout-ms', '2000'], [
    cgroup('victim', { workers: 1, work: work.spinWait(), comm: 'victim' }),
    cgroup('other', { workers: 1, work: work.spinWait() }),
  ]);
  assert.match(e.message, /stall/i);
  assert.match(e.result.schedulerExit?.reason ?? '', /stall/i);
});
