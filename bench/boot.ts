/**
 * bench/boot: how much ktstr adds to a boot.
 *  - ktstr: time from CellVm.boot() (the API call) to the agent's hello (agent ready);
 *  - baseline: the same kernel, topology, memory and accelerator in a plain QEMU with a trivial
 *    busybox init that prints a marker, from spawn to the marker on the serial console.
 * Both run alternately in this process; the ratio is ktstr / baseline (target <= 1.10).
 * Also: the warm base-initramfs build (cache hit), target < 50 ms.
 *
 *   npm run bench            (KTSTR_BENCH_ROUNDS=N for more rounds)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { baseImage, CellVm, chooseAccel, defaultMemoryMiB, QEMU_BINARY, resolveKernel, type Topology } from '@ktstr/core';
import { CpioWriter } from '../core/src/initramfs/cpio.js';
import { qemuArgs } from '../core/src/vm/qemu-args.js';

const topology: Topology = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };
const rounds = Number(process.env.KTSTR_BENCH_ROUNDS ?? 3);
const kernel = await resolveKernel(process.env.KTSTR_KERNEL);
const memoryMiB = defaultMemoryMiB(topology);
const MARKER = 'KTSTR-BENCH-BASELINE-READY';

function plainInitrd(): Buffer {
  const w = new CpioWriter();
  w.file('/bin/busybox', readFileSync('/bin/busybox'), 0o755);
  w.symlink('/bin/sh', '/bin/busybox');
  w.charDev('/dev/console', 5, 1);
  w.file('/init', `#!/bin/sh\n/bin/busybox mount -t devtmpfs dev /dev\necho ${MARKER} > /dev/ttyS0\n/bin/busybox poweroff -f\n`, 0o755);
  return w.finish();
}

async function baselineBoot(initrd: string, dir: string): Promise<number> {
  const log = join(dir, `console-${Math.random().toString(36).slice(2)}.log`);
  const args = qemuArgs({
    topology, memoryMiB, accel: chooseAccel(QEMU_BINARY).accel, kernel: kernel.vmlinuz, initrd,
    ramPathPrefix: join('/dev/shm', `ktstr-ram-${process.pid}-bench`), consoleLog: log,
    channelSocket: join(dir, 'k.sock'), qmpSocket: join(dir, 'q.sock'),
  });
  const t0 = performance.now();
  const child = spawn(QEMU_BINARY, args, { stdio: 'ignore' });
  try {
    for (;;) {
      await sleep(5);
      let text = '';
      try {
        text = readFileSync(log, 'utf8');
      } catch {
        // not created yet
      }
      if (text.includes(MARKER)) return performance.now() - t0;
      if (child.exitCode !== null) throw new Error(`baseline QEMU exited before the marker:\n${text.slice(-2000)}`);
    }
  } finally {
    child.kill('SIGKILL');
    rmSync(`/dev/shm/ktstr-ram-${process.pid}-bench-node0`, { force: true });
  }
}

async function ktstrBoot(): Promise<number> {
  const t0 = performance.now();
  const vm = await CellVm.boot({ name: 'bench/boot', kernel, topology, durationMs: 1000 });
  const ms = performance.now() - t0;
  await vm.destroy();
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const dir = mkdtempSync(join(tmpdir(), 'ktstr-bench-'));
try {
  const initrd = join(dir, 'plain.cpio');
  writeFileSync(initrd, plainInitrd());
  baseImage({ includeFiles: [], cellFiles: [] }); // make sure the cache is warm
  const warm = Array.from({ length: 20 }, () => baseImage({ includeFiles: [], cellFiles: [] }).ms);
  const ours: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < rounds; i++) {
    plain.push(await baselineBoot(initrd, dir));
    ours.push(await ktstrBoot());
    process.stderr.write(`round ${i + 1}/${rounds}: baseline ${plain.at(-1)!.toFixed(0)} ms, ktstr ${ours.at(-1)!.toFixed(0)} ms\n`);
  }
  const ratio = median(ours) / median(plain);
  const result = {
    accel: chooseAccel(QEMU_BINARY),
    kernel: kernel.label,
    rounds,
    baselineMedianMs: Math.round(median(plain)),
    ktstrToAgentReadyMedianMs: Math.round(median(ours)),
    ratio: Number(ratio.toFixed(3)),
    ratioTarget: 1.1,
    warmBaseInitramfsMedianMs: Number(median(warm).toFixed(2)),
    warmBaseTargetMs: 50,
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(`boot ratio ktstr/baseline = ${result.ratio} (target <= 1.10); warm base initramfs ${result.warmBaseInitramfsMedianMs} ms (target < 50 ms)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
