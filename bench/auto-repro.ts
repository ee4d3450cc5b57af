/**
 * bench/auto-repro: what auto-repro adds to a crashed cell. The fixture's error knob crashes
 * scx-ktstr in a 2-CPU cell; the cell's own run (boot to teardown) is timed, then the rerun with
 * the probe loader in front of the scheduler (reproduceCrash: typing the sites, the rerun's boot,
 * the probes, the decoding). Printed: both times, their ratio, and what the rerun captured.
 *
 *   node --import tsx bench/auto-repro.ts        (KTSTR_BENCH_ROUNDS=1 by default; VMs, ~1 min a round)
 */
import { performance } from 'node:perf_hooks';
import { CellVm, SCX_KTSTR, SchedulerExitError, cgroup, hold, reproduceCrash, resolveKernel, work } from '@ktstr/core';
import type { CellPlan } from '../core/src/runner/cell-vm.js';
import type { TestVm } from '../core/src/runner/test-vm.js';

const rounds = Number(process.env.KTSTR_BENCH_ROUNDS ?? 1);
const cgroups = [cgroup('load', { workers: 2, work: work.pipeIo() })];
const plan: CellPlan = {
  name: 'bench/auto-repro', kernel: await resolveKernel(process.env.KTSTR_KERNEL), scheduler: SCX_KTSTR,
  topology: { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 }, extraSchedArgs: ['--error-after', '1500'], durationMs: 8000,
};

for (let round = 1; round <= rounds; round++) {
  const t0 = performance.now();
  const vm = await CellVm.boot(plan);
  let crash: SchedulerExitError | undefined;
  try {
    await vm.run(cgroups, hold.fraction(1));
  } catch (e) {
    if (!(e instanceof SchedulerExitError)) throw e;
    crash = e;
  } finally {
    await vm.destroy();
  }
  const cellMs = performance.now() - t0;
  if (!crash) throw new Error('the error knob did not crash the scheduler within the hold');
  const report = await reproduceCrash({ plan, exit: crash.result.schedulerExit!, timeoutMs: 300_000, body: async (v: TestVm) => v.run(cgroups, hold.fraction(1)), log: () => {} });
  console.log(`round ${round}: cell ${(cellMs / 1000).toFixed(1)} s, auto-repro ${(report.durationMs / 1000).toFixed(1)} s `
    + `(${(report.durationMs / cellMs).toFixed(2)}x the cell), ${report.status}: ${report.calls.length} calls at `
    + `${report.sites.filter((s) => s.calls.length > 0).length}/${report.sites.length} sites`);
}
