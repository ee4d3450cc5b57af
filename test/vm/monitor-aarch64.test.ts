// The host monitor on an arm64 guest (docs/aarch64.md, docs/monitor.md): a scx-ktstr cell on the
// aarch64 preset tiny-2llc is sampled every 100 ms — each vCPU's runqueue read through the arm64
// translation (image, linear map, swapper_pg_dir walk) and the sched_ext state and counters —
// and `ktstr verifier --arch aarch64` reports each struct_ops program's verified instructions,
// read from bpf_prog_aux in guest memory. Skips, with the reason, where qemu-system-aarch64
// cannot run or no arm64 kernel can be had.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPreset } from '@ktstr/presets';
import { resolveKernel, type ResolvedKernel } from '@ktstr/core';
import { CellVm } from '../../core/src/runner/cell-vm.js';
import { SCX_KTSTR } from '../../core/src/fixture.js';
import { cgroup } from '../../core/src/scenario/cgroup.js';
import { cpuset } from '../../core/src/scenario/cpuset.js';
import { hold } from '../../core/src/scenario/hold.js';
import { work } from '../../core/src/scenario/work.js';
import { monitorSettings } from '../../core/src/monitor/sampler/options.js';
import type { MonitorSampleData } from '../../core/src/monitor/sampler/sample-reader.js';
import { Arm64Translator } from '../../core/src/monitor/arm64-translate.js';
import { kernelBtf } from '../../core/src/monitor/kernel-btf.js';
import type { Btf } from '../../core/src/monitor/btf/btf.js';
import { btfOnlyElf, findImageBtf } from '../../core/src/kernel/arm64-image.js';
import { BpfState } from '../../core/src/monitor/bpf/bpf-state.js';
import { Unavailable } from '../../core/src/monitor/unavailable.js';
import { cachedCapture } from '../../core/src/monitor/symbol-cache.js';
import { parseIomem } from '../../core/src/monitor/ram-layout.js';
import { KernelProgram } from '../../core/src/monitor/program.js';
import { captureKernelSymbols } from '../../core/src/runner/symbol-capture.js';
import { aarch64Env } from './aarch64-env.js';

const STACK_END_MAGIC = 0x57ac_6e9d;

/** The word at the lowest address of `cpu`'s current task's stack (end_of_stack), and how it was reached. */
function stackEnd(prog: KernelProgram, cpu: number): { magic: number | string; via: string } {
  const rq = prog.perCpuObject('runqueues', cpu);
  if (rq instanceof Unavailable) return { magic: rq.unavailable, via: '' };
  const stack = rq.member('curr->stack').read();
  if (typeof stack !== 'bigint') return { magic: String(stack), via: '' };
  const t = prog.translator.toPhysical(stack);
  const magic = prog.readU32(stack);
  return { magic: magic instanceof Unavailable ? magic.unavailable : magic, via: t instanceof Unavailable ? t.unavailable : t.via };
}

/**
 * What the monitor found in memory against the kernel's config, read independently: the page
 * size, and VA_BITS as built, which the guest's CPU (neoverse-n1: no LPA2, no 52-bit VA) cuts
 * to 48 bits (47 with 16K pages) when the build asked for 52.
 */
function assertPagingMatchesConfig(tr: Arm64Translator, k: ResolvedKernel): void {
  if (!k.config) return;
  const config = readFileSync(k.config, 'utf8');
  const granule = /^CONFIG_ARM64_16K_PAGES=y/m.test(config) ? 16384 : /^CONFIG_ARM64_64K_PAGES=y/m.test(config) ? 65536 : 4096;
  const built = Number(/^CONFIG_ARM64_VA_BITS=(\d+)/m.exec(config)?.[1]);
  const running = built > 48 ? (granule === 16384 ? 47 : 48) : built;
  assert.deepEqual(tr.addressing.paging, { granule, vaBits: running, lpa2: false }, `${k.config}: ${granule}-byte pages, VA_BITS ${built}`);
  assert.equal(tr.addressing.pageOffset, (1n << 64n) - (1n << BigInt(built)), 'PAGE_OFFSET as built');
}

const { skip, kernel } = await aarch64Env('aarch64 monitor tests');

const cli = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url));

test('the monitor samples every vCPU of an arm64 guest under scx-ktstr', { skip, timeout: 900_000 }, async () => {
  const topology = findPreset('tiny-2llc')!.topology;
  const cpus = topology.llcs * topology.coresPerLlc * topology.threadsPerCore;
  const vm = await CellVm.boot({
    name: 'monitor-aarch64/scx-ktstr/tiny-2llc', kernel: kernel!, topology, scheduler: SCX_KTSTR, durationMs: 2000,
    monitor: monitorSettings({ numSnapshots: 2 }, 'test'),
  });
  try {
    // One spinner pinned to each CPU, so every runqueue holds a sched_ext task the whole time.
    const r = await vm.run(Array.from({ length: cpus }, (_, cpu) => cgroup(`spin${cpu}`, { cpuset: cpuset.exact([cpu]), workers: 1, work: work.spinWait() })), hold.fraction(1));
    assert.equal(r.schedulerExit, null, 'the scheduler stayed attached');
    const m = r.monitor!;
    assert.ok(m.enabled, m.reason);
    const data = m.series.ofKind('sample').samples.map((s) => s.data as MonitorSampleData);
    process.stderr.write(`aarch64 monitor: ${m.sampleCount} samples, ${m.captureCount} captures, host ${m.sampleHostMs?.mean.toFixed(3)} ms/sample; `
      + `last: ${JSON.stringify(data.at(-1)!.cpus.map((c) => ({ cpu: c.cpu, nr: c.nrRunning, scx: c.scx.nrRunning, curr: c.curr.comm })))} events ${JSON.stringify(data.at(-1)!.events)}\n`);
    assert.ok(m.sampleCount >= 10, `~20 samples in 2 s at 100 ms, got ${m.sampleCount}`);
    for (let cpu = 0; cpu < cpus; cpu++) {
      const rqs = data.map((d) => d.cpus[cpu]!);
      assert.ok(rqs.every((rq) => rq.cpu === cpu && rq.clock !== null && rq.nrRunning !== null), `CPU ${cpu}'s runqueue read in every sample`);
      assert.ok(rqs.at(-1)!.clock! > rqs[0]!.clock!, `CPU ${cpu}'s rq clock advanced`);
      // The spinner is a sched_ext task: the rq's scx part counts it in most samples.
      const scx = rqs.filter((rq) => (rq.scx.nrRunning ?? 0) >= 1).length;
      assert.ok(scx >= rqs.length - 2, `CPU ${cpu}: scx.nr_running >= 1 in ${scx} of ${rqs.length} samples`);
      assert.ok(rqs.some((rq) => rq.curr.comm !== null && rq.curr.comm.length > 0), `CPU ${cpu}'s current task named`);
    }
    assert.ok(data.every((d) => d.scx.opsName === 'ktstr' && d.scx.state === 'SCX_ENABLED'), `sched_ext state ${JSON.stringify(data[0]!.scx)}`);
    assert.ok(data.every((d) => d.events !== null && typeof d.events.SCX_EV_SELECT_CPU_FALLBACK === 'number'), 'event counters in every sample');
    r.expect.series('events.SCX_EV_SELECT_CPU_FALLBACK').nondecreasing();
    // Some counters move under any scheduler that dispatches (seen: SCX_EV_DISPATCH_KEEP_LAST and
    // SCX_EV_REFILL_SLICE_DFL in the hundreds over 2 s); all zero would mean they were not read.
    const last = data.at(-1)!.events!;
    assert.ok(Object.values(last).some((v) => v > 0), `a nonzero event counter: ${JSON.stringify(last)}`);
    assert.equal(m.captureCount, 2);

    // The same guest's memory after the run: how the translation found it, and the scheduler's
    // BPF programs (vmalloc'ed, so read through the table walk) with their dispatch counts.
    const pm = vm.postMortem();
    assert.ok(typeof pm === 'object', String(pm));
    const tr = pm.program.translator;
    assert.ok(tr instanceof Arm64Translator);
    assertPagingMatchesConfig(tr, kernel!);
    const code = parseIomem(cachedCapture(kernel!.vmlinuz)!.iomem).find((l) => l.name === 'Kernel code');
    assert.equal(pm.program.image.textPa, code?.start, 'the image where the guest\'s /proc/iomem put "Kernel code"');
    const bpf = BpfState.open(pm.program, pm.vmlinux);
    assert.ok(!(bpf instanceof Unavailable), String(bpf));
    const progs = bpf.programs();
    assert.ok(!(progs instanceof Unavailable), String(progs));
    const ops = progs.filter((p) => !(p instanceof Unavailable) && p.type === 'struct_ops');
    assert.ok(ops.length >= 5, `struct_ops programs read: ${ops.length}`);
    const via = (va: bigint) => (tr.toPhysical(va) as { via: string }).via;
    process.stderr.write(`aarch64 monitor: ${ops.length} struct_ops programs; _text ${pm.program.image.textVa.toString(16)} at pa ${pm.program.image.textPa.toString(16)}, `
      + `memstart_addr ${tr.addressing.memstart}, per-CPU rq of CPU 1 via ${via(pm.program.perCpu('runqueues', 1) as bigint)}\n`);
    assert.equal(via(pm.program.perCpu('runqueues', 1) as bigint), 'linear map');
    // Task stacks are vmapped and end in STACK_END_MAGIC, written at fork: a read through the walk
    // with a known answer, for every CPU's current task.
    pm.program.useBtf(pm.vmlinux);
    // (CPU 0's idle task runs on init_stack, in the image; every other task's stack is vmapped.)
    const ends = Array.from({ length: cpus }, (_, cpu) => stackEnd(pm.program, cpu));
    assert.ok(ends.every((e) => e.magic === STACK_END_MAGIC && (e.via === 'page table' || e.via === 'image')), JSON.stringify(ends));
    assert.ok(ends.some((e) => e.via === 'page table'), `a stack read through the walk: ${JSON.stringify(ends)}`);
    // struct bpf_prog is vmalloc'ed (bpf_prog_alloc): these reads went through the real tables.
    assert.ok(ops.every((p) => via((p as { address: bigint }).address) === 'page table'), 'every bpf_prog read through a table walk');
  } finally {
    await vm.destroy();
  }
});

// KASLR on: QEMU's virt board hands the kernel a kaslr-seed in the device tree, so without
// `nokaslr` the image moves virtually; the symbols captured from a `nokaslr` boot are slid by
// what kimage_voffset says, and every vCPU's runqueue is still read.
test('an arm64 guest booted with KASLR is read through the slid symbols', { skip, timeout: 900_000 }, async () => {
  const topology = { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 };
  const vm = await CellVm.boot({
    name: 'monitor-aarch64/kaslr/1n1l2c1t', kernel: kernel!, topology, durationMs: 1000, kaslr: true,
    monitor: monitorSettings({ numSnapshots: 0 }, 'test'),
  });
  try {
    // Read before the run: an EEVDF cell's RAM goes with its VM when the scenario ends.
    const prog = KernelProgram.open(vm.ramNodes, await captureKernelSymbols(kernel!));
    assert.ok(prog instanceof KernelProgram, String(prog));
    process.stderr.write(`aarch64 KASLR: slide ${prog.image.slide.toString(16)}, _text ${prog.image.textVa.toString(16)} at pa ${prog.image.textPa.toString(16)}\n`);
    assert.notEqual(prog.image.slide, 0n, 'KASLR moved the kernel');
    assert.match(prog.readCString(prog.address('linux_banner') as bigint) as string, /^Linux version .*arm64/);
    const r = await vm.run([cgroup('spin', { workers: 2, work: work.spinWait() })], hold.fraction(1));
    const m = r.monitor!;
    assert.ok(m.enabled, m.reason);
    const data = m.series.ofKind('sample').samples.map((s) => s.data as MonitorSampleData);
    assert.ok(data.length >= 5, `samples: ${data.length}`);
    for (const cpu of [0, 1]) assert.ok(data.every((d) => d.cpus[cpu]!.cpu === cpu && d.cpus[cpu]!.clock !== null), `CPU ${cpu} read in every sample`);
  } finally {
    await vm.destroy();
  }
});

test('`ktstr verifier --arch aarch64` reports each struct_ops program\'s verified instructions', { skip, timeout: 900_000 }, () => {
  const r = spawnSync(process.execPath, [cli, 'verifier', '--scheduler', 'scx-ktstr', '--arch', 'aarch64', '--topology', '1n1l2c1t', '--json'], { encoding: 'utf8', timeout: 600_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const results = JSON.parse(r.stdout) as { outcome: string; reason: string | null; programs: { name: string; verifiedInsns: number; insns: number }[]; notLoaded: string[] }[];
  process.stderr.write(`aarch64 verifier: ${results.map((x) => x.programs.map((p) => `${p.name} ${p.verifiedInsns}`).join(', ')).join('; ')}\n`);
  assert.equal(results.length, 1);
  const [v] = results;
  assert.equal(v!.outcome, 'loaded', JSON.stringify(v));
  assert.equal(v!.reason, null);
  assert.ok(v!.programs.length >= 5, `programs: ${v!.programs.length}`);
  assert.deepEqual(v!.notLoaded, []);
  for (const p of v!.programs) assert.ok(p.verifiedInsns > 0 && p.insns > 0, `${p.name}: verified_insns ${p.verifiedInsns}, insns ${p.insns}`);
});

// A 16 KiB-granule kernel, when one is given: Debian's arm64-16k flavour is built for 52-bit VA
// and runs with 47 bits on neoverse-n1 (three levels from level 1, memstart_addr below zero).
// Its Image carries its BTF like the cloud kernel's; the test makes the vmlinux beside it.
const image16k = process.env.KTSTR_KERNEL_AARCH64_16K;
const skip16k = skip || (image16k ? false : 'set KTSTR_KERNEL_AARCH64_16K to an arm64 Image built with 16 KiB pages (with its config beside it as `config`), '
  + 'e.g. Debian\'s: `apt-get download linux-binary-unsigned-<release>-arm64-16k:arm64 linux-base-<release>-arm64-16k:arm64`, `dpkg -x` both, '
  + 'and point at usr/lib/modules/<release>/vmlinuz.unsigned');
if (skip16k && !skip) process.stderr.write(`skipping the 16K-granule test: ${skip16k}\n`);

test('a 16 KiB-granule arm64 kernel is read through its own tables', { skip: skip16k, timeout: 900_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-16k-'));
  try {
    symlinkSync(resolve(image16k!), join(dir, 'vmlinuz'));
    const config = join(dirname(resolve(image16k!)), 'config');
    if (existsSync(config)) symlinkSync(config, join(dir, 'config'));
    const btf = findImageBtf(readFileSync(image16k!));
    assert.ok(btf, `${image16k} holds no .BTF`);
    writeFileSync(join(dir, 'vmlinux'), btfOnlyElf(btf));
    const k16 = await resolveKernel(dir, (l) => process.stderr.write(`16K kernel: ${l}\n`), 'aarch64');
    const vm = await CellVm.boot({
      name: 'monitor-aarch64/16k/1n1l2c1t', kernel: k16, topology: { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 }, durationMs: 1000,
      monitor: monitorSettings({ numSnapshots: 0 }, 'test'),
    });
    try {
      const prog = KernelProgram.open(vm.ramNodes, await captureKernelSymbols(k16));
      assert.ok(prog instanceof KernelProgram, String(prog));
      prog.useBtf(kernelBtf(k16.vmlinux!) as Btf);
      const tr = prog.translator as Arm64Translator;
      process.stderr.write(`16K kernel: paging ${JSON.stringify(tr.addressing.paging)}, memstart_addr ${tr.addressing.memstart}, _text at pa ${prog.image.textPa.toString(16)}\n`);
      assert.equal(tr.addressing.paging.granule, 16384, 'the granule from the Image header');
      assertPagingMatchesConfig(tr, k16);
      // CPU 1's idle task was forked, so its stack is vmapped: read through the 16K tables.
      assert.deepEqual(stackEnd(prog, 1), { magic: STACK_END_MAGIC, via: 'page table' });
      const r = await vm.run([cgroup('spin', { workers: 2, work: work.spinWait() })], hold.fraction(1));
      const m = r.monitor!;
      assert.ok(m.enabled, m.reason);
      const data = m.series.ofKind('sample').samples.map((s) => s.data as MonitorSampleData);
      for (const cpu of [0, 1]) assert.ok(data.every((d) => d.cpus[cpu]!.cpu === cpu && d.cpus[cpu]!.clock !== null), `CPU ${cpu} read in every sample`);
    } finally {
      await vm.destroy();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
