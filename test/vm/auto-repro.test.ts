// Auto-repro on a real crash: the fixture's error knob makes scx-ktstr call scx_bpf_error; the
// exit dump's call chain names the callback and the kernel functions on the way, the cell runs
// again with the probe loader in front of the scheduler, and the report shows the calls each
// site saw before the exit, with their arguments decoded by the kernel's BTF (a task's pid and
// comm behind a task_struct *).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellVm, SCX_KTSTR, SchedulerExitError, cgroup, hold, work } from '@ktstr/core';
import type { CellPlan } from '../../core/src/runner/cell-vm.js';
import type { TestVm } from '../../core/src/runner/test-vm.js';
import { reproduceCrash } from '../../core/src/repro/rerun-crash.js';
import { schedulerExitChain } from '../../core/src/repro/call-chain.js';
import { skipReason, testKernel } from './cell-env.js';

const topology = { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 };
// Late enough that the callback probes are in before it fires (they attach once the scheduler's
// programs exist), early enough to fire within the hold.
const extraSchedArgs = ['--error-after', '1500'];
const cgroups = [cgroup('load', { workers: 2, work: work.pipeIo() })];

test('the error knob\'s crash is rerun with probes on its call chain, and the report decodes the calls', { skip: skipReason, timeout: 600_000 }, async () => {
  const plan: CellPlan = { name: 'repro/error-knob', kernel: await testKernel(), topology, scheduler: SCX_KTSTR, extraSchedArgs, durationMs: 8000 };
  const first = await CellVm.boot(plan);
  let crash: SchedulerExitError | undefined;
  try {
    await first.run(cgroups, hold.fraction(1));
  } catch (e) {
    if (!(e instanceof SchedulerExitError)) throw e;
    crash = e;
  } finally {
    await first.destroy();
  }
  assert.ok(crash, 'the first run crashes');
  const exit = crash.result.schedulerExit!;
  process.stderr.write(`auto-repro: the first run's chain from ${exit.kernelDump && schedulerExitChain({ output: '', kernelDump: exit.kernelDump }).length > 0 ? 'the kernel\'s dump (trace event)' : 'the loader\'s output'}\n`);
  const report = await reproduceCrash({
    plan, exit: crash.result.schedulerExit!, timeoutMs: 300_000,
    body: async (vm: TestVm) => vm.run(cgroups, hold.fraction(1)),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  process.stderr.write(`auto-repro: ${report.status} in ${report.durationMs} ms; sites ${report.sites.map((s) => `${s.name}(${s.kind},${s.attached ? `${s.calls.length} calls` : s.why})`).join(' ')}\n`);
  const last = report.calls.at(-1);
  if (last) process.stderr.write(`auto-repro: last call ${JSON.stringify(last)}\n`);
  assert.equal(report.status, 'captured', report.reason);
  assert.ok(report.chain.some((l) => /scx_bpf_error_bstr/.test(l)), 'the chain is the error path');
  assert.equal(report.trigger?.by, 'scx_vexit');
  assert.match(report.rerunReason ?? '', /scx_bpf_error/);
  // At least one site saw calls, and a task_struct * argument came with its pid and comm.
  assert.ok(report.sites.some((s) => s.attached && s.calls.length > 0), 'a site recorded calls');
  const taskArgs = report.calls.flatMap((c) => c.args.filter((a) => a.type === 'struct task_struct *' && a.fields !== undefined));
  assert.ok(taskArgs.length > 0, 'a task_struct * argument was decoded');
  assert.ok(taskArgs.some((a) => typeof a.fields!.pid === 'number' && typeof a.fields!.comm === 'string' && (a.fields!.comm as string).length > 0), JSON.stringify(taskArgs.slice(0, 3)));
  // Ordered by time, all before the exit.
  for (let i = 1; i < report.calls.length; i++) assert.ok(BigInt(report.calls[i - 1]!.tNs) <= BigInt(report.calls[i]!.tNs));
  assert.ok(report.calls.every((c) => c.beforeExitMs >= 0));
  // Integer arguments are decoded too (select_task_rq_scx's prev_cpu, a callback's cpu).
  assert.ok(report.calls.some((c) => c.args.some((a) => typeof a.decoded === 'number')));
});
