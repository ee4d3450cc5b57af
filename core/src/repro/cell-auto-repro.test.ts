/**
 * When a failed cell gets auto-repro, without a VM: only a scheduler crash during the scenario
 * with a call chain qualifies, `autoRepro: false` turns it off, and a test out of time gets a
 * report saying so instead of a rerun. The rerun itself is test/vm/auto-repro.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellResult, type CellResultData, type SchedulerExit } from '../result/cell-result.js';
import { SchedulerExitError } from '../runner/cell-vm.js';
import type { TestVm } from '../runner/test-vm.js';
import { autoReproForFailure, checkAutoRepro, isReproducibleCrash, summarize } from './cell-auto-repro.js';

const DUMP = 'scx-ktstr: exit dump-begin\nBacktrace:\n  __scx_exit+0x4f/0x70\n  scx_bpf_error_bstr+0x91/0xd0\n\nCPU states\n';

function crash(exit: Partial<SchedulerExit>): SchedulerExitError {
  const schedulerExit: SchedulerExit = { phase: 'run', reason: 'scx_bpf_error', dmesg: [], output: DUMP, exitStatus: 2, ...exit };
  return new SchedulerExitError(new CellResult({ cell: 'c', scheduler: 'scx-ktstr', schedulerExit } as unknown as CellResultData));
}

const vm = { plan: { name: 'c' } } as unknown as TestVm;
const never = async () => assert.fail('the body must not run');

test('only a crash while the scenario runs, with a call chain, is rerun', () => {
  assert.ok(isReproducibleCrash(crash({})));
  assert.equal(isReproducibleCrash(crash({ phase: 'attach' })), false, 'an attach failure (a verifier rejection) has no chain to probe');
  assert.equal(isReproducibleCrash(crash({ output: 'scx-ktstr: exit kind=SCX_EXIT_UNREG_BPF' })), false, 'no backtrace');
  assert.equal(isReproducibleCrash(new Error('assertion')), false);
});

test('autoRepro: false, or no VM, leaves the result alone', async () => {
  const e = crash({});
  assert.equal(await autoReproForFailure(e, { enabled: false, vm, body: never, remainingMs: 600_000, log: () => {} }), undefined);
  assert.equal(await autoReproForFailure(e, { enabled: undefined, vm: undefined, body: never, remainingMs: 600_000, log: () => {} }), undefined);
  assert.equal(e.result.autoRepro, undefined);
});

test('out of time: a report that says so, attached to the result, and no rerun', async () => {
  const e = crash({});
  const r = await autoReproForFailure(e, { enabled: undefined, vm, body: never, remainingMs: 5_000, log: () => {} });
  assert.equal(r?.status, 'failed');
  assert.match(r!.reason!, /only 5 s left of the test's time limit \(timeoutMs\)/);
  assert.deepEqual(r!.chain, ['__scx_exit+0x4f/0x70', 'scx_bpf_error_bstr+0x91/0xd0']);
  assert.equal(e.result.autoRepro, r);
  assert.deepEqual(summarize(r!), { status: 'failed', reason: r!.reason, durationMs: 0, sites: 0, calls: 0 });
});

test('a bad autoRepro option names the field and the remedy', () => {
  assert.throws(() => checkAutoRepro('yes', 'ktstrTest("t")'), /ktstrTest\("t"\)\.autoRepro.*not a boolean[^]*autoRepro: false/);
  checkAutoRepro(false, 'x');
  checkAutoRepro(undefined, 'x');
});
