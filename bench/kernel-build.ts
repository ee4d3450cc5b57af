/**
 * bench/kernel-build: what a kernel built by `ktstr kernel build` buys and costs.
 *  - boot: cold CellVm.boot() (snapshots off) to agent-ready, the built minimal kernel against
 *    Debian's cloud kernel, same topology and accelerator, alternated round by round in this one
 *    process so both see the same machine load; target: the built kernel 2x faster;
 *  - build: the build time and compiled-file count the cache entry recorded (meta.json), and,
 *    with KTSTR_BENCH_BUILD=1, a fresh from-scratch build measured now (`make clean` in its build
 *    tree first; 20-40 minutes on one CPU).
 *
 *   node --import tsx bench/kernel-build.ts          (KTSTR_BENCH_ROUNDS=N, default 3)
 *   KTSTR_BUILT_KERNEL=<release> picks the built kernel (default: the newest built one in the cache);
 *   KTSTR_KERNEL picks the Debian one (default: the newest fetched one).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildKernel, CellVm, chooseAccel, listCachedKernels, QEMU_BINARY, resolveKernel, type Topology } from '@ktstr/core';
import { kernelBuildDir } from '../core/src/kernel/build/build-source.js';

const topology: Topology = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };
const rounds = Number(process.env.KTSTR_BENCH_ROUNDS ?? 3);
const builtEntries = listCachedKernels().filter((k) => k.origin.startsWith('build:'));
const built = process.env.KTSTR_BUILT_KERNEL ? builtEntries.find((k) => k.release === process.env.KTSTR_BUILT_KERNEL) : builtEntries.sort((a, b) => b.fetchedAt.localeCompare(a.fetchedAt))[0];
if (!built) {
  console.error('no built kernel in the cache: run `ktstr kernel build 7.2 --cpu-cap 1` first (or name one with KTSTR_BUILT_KERNEL)');
  process.exit(2);
}
const builtKernel = await resolveKernel(built.release);
const debianKernel = await resolveKernel(process.env.KTSTR_KERNEL);
if (debianKernel.label === builtKernel.label) throw new Error('KTSTR_KERNEL names the built kernel; the baseline is a fetched Debian kernel');

interface BuildMetaView { build?: { makeSeconds?: number; compiled?: number; cpus?: number[]; cpuset?: string; source?: string; base?: string } }
const meta = (JSON.parse(readFileSync(join(built.dir, 'meta.json'), 'utf8')) as BuildMetaView).build ?? {};

async function coldBoot(kernel: typeof builtKernel): Promise<number> {
  process.env.KTSTR_COLD_BOOT = '1';
  process.env.KTSTR_SPARE_VM = '0';
  const t0 = performance.now();
  const vm = await CellVm.boot({ name: `bench/kernel-build/${kernel.label}`, kernel, topology, durationMs: 1000 });
  const ms = performance.now() - t0;
  await vm.destroy();
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const builtMs: number[] = [];
const debianMs: number[] = [];
for (let i = 0; i < rounds; i++) {
  // Alternate which goes first, so a load change during a round hits both alike.
  const order = i % 2 === 0 ? ['built', 'debian'] as const : ['debian', 'built'] as const;
  for (const which of order) (which === 'built' ? builtMs : debianMs).push(await coldBoot(which === 'built' ? builtKernel : debianKernel));
  process.stderr.write(`round ${i + 1}/${rounds}: built ${builtMs.at(-1)!.toFixed(0)} ms, Debian cloud ${debianMs.at(-1)!.toFixed(0)} ms to agent-ready\n`);
}

let freshBuild: { seconds: number; compiled: number; cpus: number[] } | undefined;
if (process.env.KTSTR_BENCH_BUILD === '1') {
  // Only a Debian source can be rebuilt from scratch here: its build tree is named after the package.
  const m = /^debian:(linux-source-([0-9.]+))=(.*)$/.exec(meta.source ?? '');
  if (!m) throw new Error(`KTSTR_BENCH_BUILD=1 rebuilds Debian-sourced kernels only; ${built.release} was built from ${meta.source}`);
  const tree = join(kernelBuildDir(), 'trees', `${m[1]}_${m[3]!.replace(/[^A-Za-z0-9._+-]/g, '_')}`);
  process.stderr.write(`fresh build: make clean in ${tree}, then a forced build of ${m[2]}\n`);
  spawnSync('make', ['-s', '-C', tree, 'clean'], { stdio: 'inherit' });
  const r = await buildKernel({ source: m[2]!, force: true, cpuCap: process.env.KTSTR_CPU_CAP ?? 1, log: (l) => process.stderr.write(`build: ${l}\n`) });
  freshBuild = { seconds: r.seconds.total, compiled: r.compiled, cpus: r.cpus };
}

const result = {
  accel: chooseAccel(QEMU_BINARY),
  topology,
  rounds,
  builtKernel: builtKernel.label,
  debianKernel: debianKernel.label,
  builtColdToAgentReadyMedianMs: Math.round(median(builtMs)),
  debianColdToAgentReadyMedianMs: Math.round(median(debianMs)),
  speedup: Number((median(debianMs) / median(builtMs)).toFixed(2)),
  speedupTarget: 2,
  imageBytes: { built: readFileSync(builtKernel.vmlinuz).length, debian: readFileSync(debianKernel.vmlinuz).length },
  recordedBuild: { makeSeconds: meta.makeSeconds, compiledFiles: meta.compiled, cpus: meta.cpus, confinedBy: meta.cpuset, base: meta.base, source: meta.source },
  ...(freshBuild ? { freshBuild } : {}),
};
console.log(JSON.stringify(result, null, 2));
console.log(`cold boot to agent-ready: built ${result.builtColdToAgentReadyMedianMs} ms vs Debian cloud ${result.debianColdToAgentReadyMedianMs} ms = ${result.speedup}x (target >= 2); `
  + `build: ${meta.makeSeconds ?? '?'} s of make on ${meta.cpus?.length ?? '?'} CPU(s), ${meta.compiled ?? '?'} files compiled`);
