// A run's CPU budget holds its VMs, and only them: QEMU (every thread) runs on the reserved
// CPUs, the test process — and with it the monitor's sampling loop — on the host's others, so
// reading guest memory never takes CPU time from the guest being read (docs/gauntlet.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { getAffinity } from '@ktstr/native';
import { CellVm, observerCpus, parseCpulist, pinToCpuBudget, vmCpus } from '@ktstr/core';
import { skipReason, testKernel } from './cell-env.js';

const oneCpu = getAffinity(0).length < 2 ? 'this process may use one CPU only, so the VM and the observer must share it' : false;

test('QEMU runs on the reserved CPUs and the test process beside them', { skip: skipReason || oneCpu, timeout: 300_000 }, async () => {
  const allowed = getAffinity(0);
  process.env.KTSTR_CPU_CAP = '1';
  const lines: string[] = [];
  const plan = await pinToCpuBudget((l) => lines.push(l));
  assert.ok(plan, 'KTSTR_CPU_CAP set: a budget is reserved');
  assert.deepEqual(vmCpus(), plan.cpus);
  assert.deepEqual(getAffinity(0), observerCpus(allowed, plan.cpus));
  assert.ok(!getAffinity(0).some((c) => plan.cpus.includes(c)), `the process left the VM's CPUs: ${lines.join('; ')}`);

  const vm = await CellVm.boot({ name: 'cpu-budget-split', kernel: await testKernel(), topology: { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 }, durationMs: 1000 });
  try {
    const pid = vm.pid!;
    const threads = readdirSync(`/proc/${pid}/task`);
    assert.ok(threads.length > 1, 'QEMU has its vCPU and I/O threads');
    for (const tid of threads) {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      const list = /Cpus_allowed_list:\s*(\S+)/.exec(status)![1]!;
      assert.deepEqual(parseCpulist(list), plan.cpus, `QEMU thread ${tid} may run on ${list}`);
    }
    assert.match(readFileSync(`/proc/${pid}/comm`, 'utf8'), /qemu/);
  } finally {
    await vm.destroy();
  }
});
