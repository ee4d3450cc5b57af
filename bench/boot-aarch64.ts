/**
 * bench/boot-aarch64: what an aarch64 cell's start costs under TCG on this host, against the
 * x86_64 cell of the same shape measured alternately in the same run (docs/aarch64.md):
 *  - cold: CellVm.boot() with snapshots off, until the agent is ready for its cell, on both
 *    architectures; the ratio says how much slower emulating arm64 is than emulating x86_64;
 *  - restored: CellVm.boot() restoring the aarch64 post-boot snapshot (QEMU started on demand).
 * Skips, saying why, when qemu-system-aarch64 cannot run here.
 *
 *   node --import tsx bench/boot-aarch64.ts      (KTSTR_BENCH_ROUNDS=N for more rounds)
 */
import { performance } from 'node:perf_hooks';
import { archUnavailableReason, CellVm, discardSpare, resolveKernel, spareSettled, type ResolvedKernel, type Topology } from '@ktstr/core';

const topology: Topology = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };
const rounds = Number(process.env.KTSTR_BENCH_ROUNDS ?? 3);
const unavailable = archUnavailableReason('aarch64');
if (unavailable) {
  console.log(JSON.stringify({ skipped: unavailable }));
  process.exit(0);
}
const log = (l: string) => process.stderr.write(`bench: ${l}\n`);
const x86 = await resolveKernel(undefined, log, 'x86_64');
const arm = await resolveKernel(undefined, log, 'aarch64');

async function boot(kernel: ResolvedKernel, how: 'cold' | 'restored'): Promise<number> {
  if (how === 'cold') process.env.KTSTR_COLD_BOOT = '1';
  else delete process.env.KTSTR_COLD_BOOT;
  process.env.KTSTR_SPARE_VM = '0';
  await discardSpare();
  await spareSettled();
  const t0 = performance.now();
  const vm = await CellVm.boot({ name: `bench/boot-${kernel.arch ?? 'x86_64'}`, kernel, topology, durationMs: 1000 });
  const ms = performance.now() - t0;
  await vm.destroy();
  if (how === 'restored' && vm.bootedHow !== 'restored') return boot(kernel, how); // that one made the snapshot
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const x86Cold: number[] = [];
const armCold: number[] = [];
const armRestored: number[] = [];
for (let i = 0; i < rounds; i++) {
  x86Cold.push(await boot(x86, 'cold'));
  armCold.push(await boot(arm, 'cold'));
  armRestored.push(await boot(arm, 'restored'));
  log(`round ${i + 1}/${rounds}: x86_64 cold ${x86Cold.at(-1)!.toFixed(0)} ms, aarch64 cold ${armCold.at(-1)!.toFixed(0)} ms, aarch64 restored ${armRestored.at(-1)!.toFixed(0)} ms`);
}
const result = {
  topology: '1n2l2c1t',
  rounds,
  kernels: { x86_64: x86.label, aarch64: arm.label },
  x86ColdToAgentReadyMedianMs: Math.round(median(x86Cold)),
  aarch64ColdToAgentReadyMedianMs: Math.round(median(armCold)),
  aarch64ColdVsX86Cold: Number((median(armCold) / median(x86Cold)).toFixed(2)),
  aarch64RestoredToAgentReadyMedianMs: Math.round(median(armRestored)),
  aarch64ColdVsRestored: Number((median(armCold) / median(armRestored)).toFixed(1)),
};
console.log(JSON.stringify(result, null, 2));
console.log(`aarch64 cold ${result.aarch64ColdToAgentReadyMedianMs} ms = ${result.aarch64ColdVsX86Cold}x the x86_64 cold boot (${result.x86ColdToAgentReadyMedianMs} ms); `
  + `aarch64 restored ${result.aarch64RestoredToAgentReadyMedianMs} ms (${result.aarch64ColdVsRestored}x faster than its cold boot)`);
