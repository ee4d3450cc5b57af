import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestVm } from './test-vm.js';
import { cgroup } from '../scenario/cgroup.js';
import { cpuset } from '../scenario/cpuset.js';
import { hold } from '../scenario/hold.js';
import { work } from '../scenario/work.js';
import { KtstrError } from '../errors.js';

// A kernel that does not exist: had the VM booted, the error would be about the kernel.
const plan = {
  name: 'lazy/tiny-2llc/none',
  kernel: { vmlinuz: '/nonexistent/vmlinuz', label: 'none' } as never,
  topology: { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 },
  durationMs: 1000,
};

test('a bad scenario is rejected before the VM boots, with the path of the bad field', async () => {
  const vm = new TestVm(plan);
  await assert.rejects(
    vm.run([cgroup('a', { cpuset: cpuset.llc(3), workers: 1, work: work.spinWait() })], hold.fraction(1)),
    (e: unknown) => e instanceof KtstrError && /cgroups\[0\]\.cpuset/.test(e.message) && /LLC 3 does not exist/.test(e.message),
  );
  assert.equal(vm.vm, undefined, 'no VM was booted');
  await vm.destroy();
});

test('a good scenario goes on to boot (and here fails on the missing kernel)', async () => {
  const vm = new TestVm(plan);
  await assert.rejects(vm.run([cgroup('a', { cpuset: cpuset.llc(1), workers: 1, work: work.spinWait() })], hold.fraction(1)), /kernel/);
  await vm.destroy();
});
