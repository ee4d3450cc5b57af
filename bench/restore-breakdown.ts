/**
 * bench/restore-breakdown: where a snapshot restore spends its time, step by step, for one
 * topology (the snapshot must exist: run a cell first). Prints each step's median over N runs.
 */
import { performance } from 'node:perf_hooks';
import { rmSync } from 'node:fs';
import { baseImage, chooseAccel, QEMU_BINARY, QemuVm, resolveKernel, defaultMemoryMiB, type Topology } from '@ktstr/core';
import { snapshotKey } from '../core/src/snapshot/snapshot-key.js';
import { loadSnapshot } from '../core/src/snapshot/snapshot-store.js';
import { copySparse } from '../core/src/vm/qemu-backend.js';
import { pingGuest } from '../core/src/runner/guest-start.js';

const topology: Topology = { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 };
const runs = Number(process.env.KTSTR_BENCH_ROUNDS ?? 5);
const kernel = await resolveKernel(process.env.KTSTR_KERNEL);
const steps: Record<string, number[]> = {};
const time = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
  const t0 = performance.now();
  const r = await fn();
  (steps[name] ??= []).push(performance.now() - t0);
  return r;
};
for (let i = 0; i < runs; i++) {
  const base = await time('base image (cache hit)', () => baseImage());
  const key = await time('snapshot key', () => snapshotKey({ qemuBinary: QEMU_BINARY, accel: chooseAccel(QEMU_BINARY).accel, kernel: kernel.vmlinuz, topology, memoryMiB: defaultMemoryMiB(topology), baseImageKey: base.key }));
  const snap = await time('load + verify snapshot', () => loadSnapshot(key).snapshot);
  if (!snap) throw new Error('no snapshot for this topology yet: run `ktstr shell --topology 1n1l2c1t --exec true` first');
  await time('sparse copy of RAM (alone)', () => {
    copySparse(snap.saved.ramFiles[0]!, '/dev/shm/ktstr-bench-copy');
    rmSync('/dev/shm/ktstr-bench-copy');
  });
  const vm = await time('QemuVm.start with restore (copy, spawn, QMP, migrate, cont)', () => QemuVm.start({ topology, memoryMiB: defaultMemoryMiB(topology), kernel: kernel.vmlinuz, initrd: { path: base.path } }, snap.saved));
  await time('ping -> pong', () => pingGuest(vm, 15_000));
  await vm.destroy();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [name, xs] of Object.entries(steps)) console.log(`${median(xs).toFixed(1).padStart(8)} ms  ${name}`);
