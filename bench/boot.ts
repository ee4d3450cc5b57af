/**
 * bench/boot: what a cell's start costs, all measured alternately in this one process.
 *  - baseline: the same kernel, topology, memory and accelerator in a plain QEMU with a trivial
 *    busybox init that prints a marker, from spawn to the marker on the serial console;
 *  - cold: CellVm.boot() (the API call) with snapshots off, until the agent is ready for its cell;
 *    cold / baseline targets <= 1.10;
 *  - restored: CellVm.boot() restoring the post-boot snapshot, until the agent answered a ping
 *    and holds the cell's files, once with QEMU started on demand and once into the spare QEMU
 *    the previous restore prepared (what every later cell of a file gets); targets <= 0.35 s and
 *    >= 10x faster than cold.
 *  - the first restore in a new process (each node:test file's first cell): a child process's
 *    CellVm.boot(), starting QEMU itself and taking a spare from the spare keeper; target <= 0.35 s.
 * Also: the warm base-initramfs build (cache hit), target < 50 ms.
 * aarch64 rows (docs/aarch64.md), where qemu-system-aarch64 and an arm64 kernel are here: the
 * same shape's aarch64 cell cold and restored, and its cold boot against the x86_64 one.
 * (bench/boot-aarch64.ts measures only those, faster.)
 *
 *   npm run bench            (KTSTR_BENCH_ROUNDS=N for more rounds)
 *   node --import tsx bench/boot.ts first-restore     (only the first restore in a new process)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { archUnavailableReason, baseImage, CellVm, chooseAccel, defaultMemoryMiB, discardSpare, QEMU_BINARY, resolveKernel, spareCounters, spareSettled, type ResolvedKernel, type Topology } from '@ktstr/core';
import { CpioWriter } from '../core/src/initramfs/cpio.js';
import { qemuArgs } from '../core/src/vm/qemu-args.js';


const topology: Topology = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };
const rounds = Number(process.env.KTSTR_BENCH_ROUNDS ?? 3);
const kernel = await resolveKernel(process.env.KTSTR_KERNEL);
// The aarch64 rows run when they can; otherwise the result says why not.
let armSkipped = archUnavailableReason('aarch64');
const armKernel = armSkipped ? undefined : await resolveKernel(undefined, () => {}, 'aarch64').catch((e: Error) => {
  armSkipped = `no arm64 kernel: ${e.message.split('\n')[0]}`;
  return undefined;
});
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

/**
 * One CellVm.boot(): cold, restored with QEMU started on demand, or restored into the spare QEMU
 * the previous restore prepared (runner/spare-vm.ts), which is what later cells of a file get.
 */
async function ktstrBoot(how: 'cold' | 'restored' | 'restored-into-spare', k: ResolvedKernel = kernel): Promise<number> {
  if (how === 'cold') process.env.KTSTR_COLD_BOOT = '1';
  else delete process.env.KTSTR_COLD_BOOT;
  if (how === 'restored') await discardSpare();
  process.env.KTSTR_SPARE_VM = how === 'restored-into-spare' ? '1' : '0';
  await spareSettled();
  const takenBefore = spareCounters.taken;
  const spareWasUsed = () => spareCounters.taken > takenBefore;
  const t0 = performance.now();
  const vm = await CellVm.boot({ name: 'bench/boot', kernel: k, topology, durationMs: 1000 });
  const ms = performance.now() - t0;
  await vm.destroy();
  if (how !== 'cold' && vm.bootedHow !== 'restored') return ktstrBoot(how, k); // the first one made the snapshot
  if (how === 'restored-into-spare' && !spareWasUsed()) {
    // The first restore of the run had no spare yet; it prepared one for the next.
    return ktstrBoot(how, k);
  }
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The first restore of a new process (what each node:test file's first cell pays): a child
 * process boots one cell. With the spare keeper (KTSTR_SPARE_KEEPER=1; this process is the run it
 * lives for) the child takes a QEMU the keeper prepared; without it (=0) the child starts QEMU.
 */
function firstRestoreInNewProcess(keeper: boolean): { ms: number; how: string; adopted: number } {
  const r = spawnSync(process.execPath, [...process.execArgv, join(import.meta.dirname, 'first-restore-child.ts'), JSON.stringify(topology)], {
    encoding: 'utf8', env: { ...process.env, KTSTR_SPARE_KEEPER: keeper ? '1' : '0', KTSTR_SPARE_VM: '1', KTSTR_COLD_BOOT: '' },
  });
  if (r.status !== 0) throw new Error(`first-restore child failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { ms: number; how: string; adopted: number };
}
const dir = mkdtempSync(join(tmpdir(), 'ktstr-bench-'));
try {
  const initrd = join(dir, 'plain.cpio');
  writeFileSync(initrd, plainInitrd());
  baseImage(); // make sure the cache is warm
  const warm = Array.from({ length: 20 }, () => baseImage().ms);
  const cold: number[] = [];
  const restored: number[] = [];
  const intoSpare: number[] = [];
  const plain: number[] = [];
  const newProcess: number[] = [];
  const newProcessKeeper: number[] = [];
  const armCold: number[] = [];
  const armRestored: number[] = [];
  firstRestoreInNewProcess(true); // starts the keeper, which prepares a spare for the next process
  for (let i = 0; i < rounds; i++) {
    newProcess.push(firstRestoreInNewProcess(false).ms);
    const k = firstRestoreInNewProcess(true);
    if (k.adopted !== 1) process.stderr.write(`round ${i + 1}: the keeper had no spare ready (${k.how})\n`);
    newProcessKeeper.push(k.ms);
    process.stderr.write(`round ${i + 1}/${rounds}: first restore in a new process ${newProcess.at(-1)!.toFixed(0)} ms starting QEMU, ${k.ms.toFixed(0)} ms from the spare keeper\n`);
  }
  if (process.argv.includes('first-restore')) {
    console.log(JSON.stringify({ rounds, firstRestoreNewProcessMs: newProcess.map(Math.round), firstRestoreNewProcessFromKeeperMs: newProcessKeeper.map(Math.round) }));
    console.log(`first restore in a new process: median ${median(newProcess).toFixed(0)} ms starting QEMU, ${median(newProcessKeeper).toFixed(0)} ms from the spare keeper (target <= 350)`);
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }
  for (let i = 0; i < rounds; i++) {
    plain.push(await baselineBoot(initrd, dir));
    cold.push(await ktstrBoot('cold'));
    restored.push(await ktstrBoot('restored'));
    intoSpare.push(await ktstrBoot('restored-into-spare'));
    process.stderr.write(`round ${i + 1}/${rounds}: baseline ${plain.at(-1)!.toFixed(0)} ms, cold ${cold.at(-1)!.toFixed(0)} ms, `
      + `restored ${restored.at(-1)!.toFixed(0)} ms, restored into the spare QEMU ${intoSpare.at(-1)!.toFixed(0)} ms\n`);
    if (armKernel) {
      armCold.push(await ktstrBoot('cold', armKernel));
      armRestored.push(await ktstrBoot('restored', armKernel));
      process.stderr.write(`round ${i + 1}/${rounds}: aarch64 cold ${armCold.at(-1)!.toFixed(0)} ms, restored ${armRestored.at(-1)!.toFixed(0)} ms\n`);
    }
  }
  const result = {
    accel: chooseAccel(QEMU_BINARY),
    kernel: kernel.label,
    rounds,
    baselineMedianMs: Math.round(median(plain)),
    coldToAgentReadyMedianMs: Math.round(median(cold)),
    coldVsBaseline: Number((median(cold) / median(plain)).toFixed(3)),
    coldVsBaselineTarget: 1.1,
    restoredToAgentReadyMedianMs: Math.round(median(restored)),
    restoredIntoSpareToAgentReadyMedianMs: Math.round(median(intoSpare)),
    restoredTargetMs: 350,
    coldVsRestored: Number((median(cold) / median(restored)).toFixed(1)),
    coldVsRestoredIntoSpare: Number((median(cold) / median(intoSpare)).toFixed(1)),
    coldVsRestoredTarget: 10,
    firstRestoreNewProcessMedianMs: Math.round(median(newProcess)),
    firstRestoreNewProcessFromKeeperMedianMs: Math.round(median(newProcessKeeper)),
    firstRestoreNewProcessTargetMs: 350,
    warmBaseInitramfsMedianMs: Number(median(warm).toFixed(2)),
    warmBaseTargetMs: 50,
    aarch64: armKernel
      ? {
        kernel: armKernel.label,
        coldToAgentReadyMedianMs: Math.round(median(armCold)),
        restoredToAgentReadyMedianMs: Math.round(median(armRestored)),
        coldVsX86Cold: Number((median(armCold) / median(cold)).toFixed(2)),
        coldVsRestored: Number((median(armCold) / median(armRestored)).toFixed(1)),
      }
      : { skipped: armSkipped },
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(`cold/baseline = ${result.coldVsBaseline} (target <= 1.10); restored ${result.restoredToAgentReadyMedianMs} ms with QEMU started on demand, `
    + `${result.restoredIntoSpareToAgentReadyMedianMs} ms into the spare QEMU (target <= 350); `
    + `${result.coldVsRestored}x / ${result.coldVsRestoredIntoSpare}x faster than cold (target >= 10); warm base initramfs ${result.warmBaseInitramfsMedianMs} ms (target < 50); `
    + `first restore in a new process ${result.firstRestoreNewProcessMedianMs} ms starting QEMU, ${result.firstRestoreNewProcessFromKeeperMedianMs} ms from the spare keeper (target <= 350)`);
  const a = result.aarch64;
  console.log('skipped' in a ? `aarch64: skipped (${a.skipped})`
    : `aarch64: cold ${a.coldToAgentReadyMedianMs} ms (${a.coldVsX86Cold}x the x86_64 cold boot), restored ${a.restoredToAgentReadyMedianMs} ms (${a.coldVsRestored}x faster than its cold boot)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
