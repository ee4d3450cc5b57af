// The host reads a running guest's memory: guest RAM mapped from its shared files, addresses from
// the guest's own kallsyms and /proc/iomem, per-CPU runqueues found through __per_cpu_offset. Run
// with KASLR off (how cells boot) and on (every address then differs, and must still be found).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { vmUnavailableReason } from '../../core/src/api/ktstr-test.js';
import { findCachedKernel } from '../../core/src/kernel/kernel-cache.js';
import { cacheRoot } from '../../core/src/paths.js';
import { QemuVm } from '../../core/src/vm/qemu-backend.js';
import { CellVm } from '../../core/src/runner/cell-vm.js';
import { nodeMemoryMiB } from '../../core/src/vm/qemu-args.js';
import { baseImage } from '../../core/src/initramfs/guest-image.js';
import { buildCommandCell } from '../../core/src/scenario/encode.js';
import { GuestMem } from '../../core/src/monitor/guest-mem.js';
import { parseIomem, q35RamLayout, uncoveredSystemRam } from '../../core/src/monitor/ram-layout.js';
import { Symbols } from '../../core/src/monitor/symbols.js';
import { findImagePhysical, Translator } from '../../core/src/monitor/translate.js';
import { walkPageTable } from '../../core/src/monitor/page-table.js';
import { idrFind, xaEntries } from '../../core/src/monitor/helpers/xarray.js';
import { KernelProgram } from '../../core/src/monitor/program.js';
import { perCpuSymbol } from '../../core/src/monitor/helpers/percpu.js';
import { isUnavailable } from '../../core/src/monitor/unavailable.js';
import { locateKernelImage } from '../../core/src/monitor/kaslr.js';
import { captureKernelSymbols } from '../../core/src/runner/symbol-capture.js';

const kernel = findCachedKernel();
const bpftool = (() => {
  const dir = join(cacheRoot(), 'toolchain');
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir).map((v) => join(dir, v, 'bin', 'bpftool')).find((p) => existsSync(p));
})();
const skip = vmUnavailableReason()
  ?? (kernel ? undefined : 'no kernel in the cache (ktstr kernel fetch)')
  ?? (bpftool ? undefined : 'no bpftool in the toolchain cache (ktstr setup)');
if (skip) process.stderr.write(`skipping the monitor memory test: ${skip}\n`);

/** Byte offsets of struct members, from the kernel's BTF (the BTF parser will replace this). */
function btfOffsets(vmlinux: string): (struct: string, member: string) => bigint {
  const r = spawnSync(bpftool!, ['btf', 'dump', 'file', vmlinux, 'format', 'raw'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, r.stderr);
  return (struct, member) => {
    const start = r.stdout.indexOf(`] STRUCT '${struct}' `);
    assert.ok(start > 0, `struct ${struct} in the BTF`);
    const body = r.stdout.slice(start).split('\n[')[0]!;
    const m = new RegExp(`\\n\\s+'${member}' type_id=\\d+ bits_offset=(\\d+)`).exec(body);
    assert.ok(m, `${struct}.${member} in the BTF`);
    return BigInt(m[1]!) / 8n;
  };
}

/** Link-time symbols, from the kernel's one-time capture (the first test). */
let linked: Symbols | undefined;

test('the kernel\'s link-time symbols are captured once from a guest and cached', { skip: skip ?? false, timeout: 300_000 }, async () => {
  const k = kernel!;
  const t0 = Date.now();
  linked = await captureKernelSymbols({ label: k.release, vmlinuz: k.vmlinuz, vmlinux: k.vmlinux, config: k.config, systemMap: k.systemMap, how: 'cached' });
  process.stderr.write(`monitor: ${linked.size} link-time symbols from the ${linked.source} in ${Date.now() - t0} ms\n`);
  assert.equal(linked.address('_text'), 0xffffffff81000000n, 'captured from a nokaslr boot');
  for (const name of ['runqueues', '__per_cpu_offset', 'page_offset_base', 'phys_base', 'linux_banner', 'init_top_pgt']) {
    assert.equal(typeof linked.address(name), 'bigint', name);
  }
});

const END = '=== ktstr monitor end ===';
const SPLIT = '=== ktstr monitor kallsyms ===';

// The 2-node case has 3 GiB: q35 then keeps 2 GiB below 4 GiB, so node 1's file is split around
// the PCI hole and part of guest RAM lies above 4 GiB.
const cases = [
  { kaslr: false, nodes: 1, memoryMiB: 512 },
  { kaslr: true, nodes: 1, memoryMiB: 512 },
  { kaslr: true, nodes: 2, memoryMiB: 3072 },
  { kaslr: true, nodes: 1, memoryMiB: 512, la57: true },
];

for (const { kaslr, nodes, memoryMiB, la57 = false } of cases) {
  test(`the host reads each CPU's runqueue from guest RAM (KASLR ${kaslr ? 'on' : 'off'}, ${nodes} node(s), ${memoryMiB} MiB${la57 ? ', 5-level paging' : ''})`, { skip: skip ?? false, timeout: 300_000 }, async () => {
    const offset = btfOffsets(kernel!.vmlinux);
    const offsets = { cpu: offset('rq', 'cpu'), clock: offset('rq', 'clock') };
    const topology = nodes === 1 ? { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 } : { numaNodes: 2, llcs: 2, coresPerLlc: 1, threadsPerCore: 1 };
    const request = { topology, memoryMiB, kernel: kernel!.vmlinuz, initrd: { path: baseImage().path }, kaslr, la57 };
    const vm = await QemuVm.start(request);
    try {
      await vm.channel.waitFor('hello', 90_000);
      let stdout = '';
      vm.channel.onMessage((m) => {
        if (m.type === 'output' && m.stream === 'stdout') stdout += m.data;
      });
      // What the post-boot capture reads, then two spinners so both CPUs' clocks keep moving.
      const exec = `cat /proc/iomem; echo '${SPLIT}'; cat /proc/kallsyms; echo '${END}'; `
        + 'for i in 1 2; do (while :; do :; done) & done; sleep 120';
      vm.channel.send('cell', buildCommandCell({ scheduler: undefined, schedTimeoutMs: 0, command: { exec } }));
      const ready = await vm.channel.waitFor('ready', 30_000, ['done', 'error']);
      assert.equal(ready.type, 'ready', JSON.stringify(ready));
      vm.channel.send('go');
      const t0 = Date.now();
      while (!stdout.includes(END)) {
        assert.ok(Date.now() - t0 < 120_000, `the guest's kallsyms did not arrive (${stdout.length} bytes so far)`);
        await sleep(100);
      }
      process.stderr.write(`monitor: kallsyms and iomem (${stdout.length} bytes) took ${Date.now() - t0} ms\n`);
      const [iomemText, rest] = stdout.split(`${SPLIT}\n`);
      const symbols = Symbols.parse(rest!.split(END)[0]!, 'kallsyms');
      assert.equal(symbols.unusableReason(), undefined);
      const iomem = parseIomem(iomemText!);

      const layout = q35RamLayout(vm.ramNodes);
      assert.equal(layout.totalBytes + 0x60000n, BigInt(nodeMemoryMiB(request) * nodes) << 20n, 'all the RAM but the VGA/ROM window');
      assert.deepEqual(uncoveredSystemRam(layout, iomem), [], 'every System RAM range is in a RAM file');
      const lastRam = iomem.filter((r) => r.depth === 0 && r.name === 'System RAM').at(-1)!;
      // Below 4 GiB the firmware keeps the top 128 KiB for itself (e820 reserved); above, RAM ends exactly.
      const gap = layout.regions.at(-1)!.end - (lastRam.end + 1n);
      assert.ok(gap >= 0n && gap <= 0x20000n, `the guest's RAM ends where the layout does (${gap} bytes short)`);
      const kernelCode = iomem.find((r) => r.name === 'Kernel code');
      assert.ok(kernelCode, '/proc/iomem has Kernel code');

      const text = symbols.address('_text') as bigint;
      // The image's slide is one of about 500 slots, so slide 0 comes up about once in 500 KASLR
      // boots (seen once); the direct map's base, randomized with far more entropy, proves the
      // layout is randomized below.
      if (!kaslr) assert.equal(text, 0xffffffff81000000n);
      else if (text === 0xffffffff81000000n) process.stderr.write('monitor: KASLR left the image at its link-time address this boot (slide 0)\n');

      const mem = GuestMem.map(layout);
      if (linked) {
        // The cached link-time table finds this boot's placement from memory alone.
        const image = locateKernelImage(mem, linked);
        assert.deepEqual(image, { textPa: kernelCode.start, textVa: text, slide: text - 0xffffffff81000000n });
        const slid = linked.withSlide(text - 0xffffffff81000000n);
        for (const name of ['runqueues', '__per_cpu_offset', 'page_offset_base', 'init_top_pgt']) {
          assert.equal(slid.address(name), symbols.address(name), `${name}: slid link-time address = this boot's kallsyms`);
        }
      }
      assert.equal(findImagePhysical(mem, symbols), kernelCode.start, 'phys_base agrees with /proc/iomem');
      const tr = Translator.fromKernel(mem, symbols, { kernelCodeStart: kernelCode.start });
      assert.ok(tr instanceof Translator, String(tr));
      process.stderr.write(`monitor: _text ${text.toString(16)} at pa ${kernelCode.start.toString(16)}, `
        + `page_offset_base ${tr.addressing.pageOffsetBase.toString(16)}, ${tr.addressing.levels}-level paging\n`);
      if (!kaslr) assert.equal(tr.addressing.pageOffsetBase, 0xffff888000000000n);
      else assert.notEqual(tr.addressing.pageOffsetBase, la57 ? 0xff11000000000000n : 0xffff888000000000n, 'KASLR moved the direct map');
      assert.equal(tr.addressing.levels, la57 ? 5 : 4, 'the paging depth the guest runs');
      assert.match(tr.readCString(symbols.address('linux_banner') as bigint) as string, /^Linux version 7\./);

      const rqs = [0, 1].map((cpu) => perCpuSymbol(tr, symbols, 'runqueues', cpu) as bigint);
      for (const [cpu, rq] of rqs.entries()) {
        assert.equal(typeof rq, 'bigint', String(rq));
        const via = tr.toPhysical(rq);
        assert.ok(!isUnavailable(via) && via.via === 'direct map', `rq ${cpu} is in the direct map`);
        assert.equal(tr.readU32(rq + offsets.cpu), cpu, `rq.cpu of CPU ${cpu}`);
        const where = layout.locate(via.pa)!;
        process.stderr.write(`monitor: CPU ${cpu}'s rq at pa ${via.pa.toString(16)} in node ${where.region.node}'s file at ${where.fileOffset.toString(16)}\n`);
      }
      // The real page tables: a walk from init_top_pgt agrees with both linear maps, and reaches
      // each CPU's IRQ stack, which the kernel vmaps over its per-CPU backing store (16 KiB).
      const walk = (va: bigint) => walkPageTable(mem, tr.addressing.pgd, va, tr.addressing.levels);
      assert.equal((walk(text) as { pa: bigint }).pa, kernelCode.start, 'walk of _text');
      for (const rq of rqs) assert.equal((walk(rq) as { pa: bigint }).pa, (tr.toPhysical(rq) as { pa: bigint }).pa, 'walk of an rq');
      for (const cpu of [0, 1]) {
        const top = tr.readU64(perCpuSymbol(tr, symbols, 'hardirq_stack_ptr', cpu) as bigint) as bigint;
        const t: ReturnType<Translator['toPhysical']> = tr.toPhysical(top);
        assert.ok(!isUnavailable(t) && t.via === 'page table', `CPU ${cpu}'s IRQ stack ${top.toString(16)} is vmapped: ${String(t)}`);
        const backing = tr.toPhysical(perCpuSymbol(tr, symbols, 'irq_stack_backing_store', cpu) as bigint) as { pa: bigint };
        assert.equal(t.pa, backing.pa + 0x4000n - 8n, `CPU ${cpu}'s IRQ stack top maps onto its backing store`);
      }
      // An XArray the kernel keeps from boot: init_pid_ns's pid IDR maps each pid to its struct pid.
      const idr = (symbols.address('init_pid_ns') as bigint) + offset('pid_namespace', 'idr');
      const xa = { xaHead: offset('xarray', 'xa_head'), nodeShift: offset('xa_node', 'shift'), nodeSlots: offset('xa_node', 'slots') };
      const pidNr = (p: bigint) => tr.readU32(p + offset('pid', 'numbers') + offset('upid', 'nr'));
      const one = idrFind(tr, idr, 1n, { idrBaseOffset: offset('idr', 'idr_base'), offsets: xa });
      assert.ok(one && 'pointer' in one, `pid 1 in the IDR: ${String(one)}`);
      assert.equal(pidNr(one.pointer), 1);
      const pids = xaEntries(tr, idr, { offsets: xa });
      assert.ok(Array.isArray(pids) && pids.length >= 4, `the pid IDR lists the agent, the shell and the spinners: ${String(pids)}`);
      for (const { index, entry } of pids) assert.equal('pointer' in entry ? pidNr(entry.pointer) : -1, Number(index), `pid ${index}`);
      process.stderr.write(`monitor: ${pids.length} pids in init_pid_ns: ${pids.map((p) => p.index).join(' ')}\n`);
      if (linked) {
        // The same reads through the program made from the cached link-time table alone.
        const prog = KernelProgram.open(vm.ramNodes, linked);
        assert.ok(prog instanceof KernelProgram, String(prog));
        for (const cpu of [0, 1]) assert.equal(prog.readU32((prog.perCpu('runqueues', cpu) as bigint) + offsets.cpu), cpu);
      }
      const before = rqs.map((rq) => tr.readU64(rq + offsets.clock) as bigint);
      await sleep(500);
      const after = rqs.map((rq) => tr.readU64(rq + offsets.clock) as bigint);
      for (const cpu of [0, 1]) {
        assert.ok(after[cpu]! > before[cpu]!, `rq.clock of CPU ${cpu} advanced: ${before[cpu]} -> ${after[cpu]}`);
      }
      process.stderr.write(`monitor: rq.clock advanced ${after.map((a, i) => `${Number(a - before[i]!) / 1e6} ms`).join(', ')} in 500 ms\n`);
    } finally {
      await vm.destroy();
    }
  });
}

test('a cell restored from a KASLR snapshot is read through its own copy of the RAM', { skip: skip ?? false, timeout: 300_000 }, async (t) => {
  if (!linked) return t.skip('no link-time symbols (the capture test did not run)');
  const k = kernel!;
  const plan = {
    name: 'monitor/kaslr-restored',
    kernel: { label: k.release, vmlinuz: k.vmlinuz, vmlinux: k.vmlinux, config: k.config, systemMap: k.systemMap, how: 'cached' },
    topology: { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 },
    durationMs: 1000,
    kaslr: true,
  };
  let cell = await CellVm.boot(plan);
  if (cell.bootedHow !== 'restored') {
    // The first cell of this key made the snapshot; the next one restores it.
    await cell.destroy();
    cell = await CellVm.boot(plan);
  }
  try {
    assert.equal(cell.bootedHow, 'restored');
    const prog = KernelProgram.open(cell.ramNodes, linked);
    assert.ok(prog instanceof KernelProgram, String(prog));
    assert.notEqual(prog.image.slide, 0n, 'the snapshot was booted with KASLR');
    const offset = btfOffsets(k.vmlinux);
    for (const cpu of [0, 1]) assert.equal(prog.readU32((prog.perCpu('runqueues', cpu) as bigint) + offset('rq', 'cpu')), cpu);
    process.stderr.write(`monitor: restored KASLR cell: slide ${prog.image.slide.toString(16)}, _text at pa ${prog.image.textPa.toString(16)}\n`);
  } finally {
    await cell.destroy();
  }
});
