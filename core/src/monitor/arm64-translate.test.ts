import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Arm64Translator, arm64Addressing, locateArm64Image } from './arm64-translate.js';
import { KernelProgram } from './program.js';
import { ARM64_LINEAR_BASE, ARM64_LINKED_TEXT, ARM64_RAM_BASE, ARM64_RQ_CPU_OFFSET, ARM64_TEXT_PA, ARM64_VMALLOC_VA, syntheticArm64Kernel } from './fixtures/synthetic-arm64-kernel.js';
import { virtRamLayout } from './ram-layout.js';
import { Unavailable } from './unavailable.js';

test('the image is found by its header and banner; kimage_voffset gives the running _text and the granule comes from the header', () => {
  const k = syntheticArm64Kernel({ cpus: 1 });
  assert.deepEqual(locateArm64Image(k.mem, k.symbols), {
    textPa: ARM64_TEXT_PA, textVa: ARM64_LINKED_TEXT, slide: 0n, granule: 4096, kimageVoffset: ARM64_LINKED_TEXT - ARM64_TEXT_PA,
  });
  assert.equal(k.symbols.arch, 'aarch64');
});

test('the three mappings: image, linear map (PAGE_OFFSET from memstart_addr) and a walk from swapper_pg_dir', () => {
  for (const built52 of [false, true]) {
    const k = syntheticArm64Kernel({ cpus: 2, built52 });
    const image = locateArm64Image(k.mem, k.symbols) as Exclude<ReturnType<typeof locateArm64Image>, Unavailable>;
    const tr = Arm64Translator.fromKernel(k.mem, k.symbols, image);
    assert.ok(tr instanceof Arm64Translator, String(tr));
    const a = tr.addressing;
    assert.deepEqual(a.paging, { granule: 4096, vaBits: 48, lpa2: false }, 'the running VA size is the one whose walk maps _text');
    assert.equal(a.pageOffset, built52 ? 0xfff0_0000_0000_0000n : ARM64_LINEAR_BASE, 'PAGE_OFFSET as built');
    assert.equal(a.pageEnd, 0xffff_8000_0000_0000n);
    assert.deepEqual(tr.toPhysical(k.textVa + 0x1234n), { pa: ARM64_TEXT_PA + 0x1234n, pageSize: 0x40000n - 0x1234n, via: 'image' });
    const lin = tr.toPhysical(ARM64_LINEAR_BASE + 0x60_0040n);
    assert.deepEqual(lin, { pa: ARM64_RAM_BASE + 0x60_0040n, pageSize: 0x80_0000n - 0x60_0040n, via: 'linear map' });
    assert.deepEqual(tr.toPhysical(ARM64_VMALLOC_VA + 0x10n), { pa: 0x4050_0010n, pageSize: 4096n, via: 'page table' });
    assert.equal(tr.readCString(ARM64_VMALLOC_VA + 0x10n), 'from vmalloc');
    // Linear addresses past the RAM, and (built for 52 bits) below the running PAGE_OFFSET, have no memory.
    assert.match((tr.toPhysical(ARM64_LINEAR_BASE + 0x100_0000n) as Unavailable).unavailable, /linear map -> guest-physical 0x41000000, which is not guest RAM/);
    if (built52) assert.match((tr.toPhysical(0xfff0_0000_0000_1000n) as Unavailable).unavailable, /linear map -> guest-physical -0x/);
  }
});

test('a program from link-time symbols reads a randomized arm64 kernel: slid symbols, per-CPU runqueues in the linear map', () => {
  const linked = syntheticArm64Kernel({ cpus: 2 }).symbols;
  const runningText = 0xffff_a9c3_5be0_0000n;
  const running = syntheticArm64Kernel({ cpus: 2, textVa: runningText, built52: true });
  const prog = KernelProgram.fromMemory(running.mem, linked);
  assert.ok(prog instanceof KernelProgram, String(prog));
  assert.equal(prog.image.slide, runningText - ARM64_LINKED_TEXT);
  assert.equal(prog.address('_text'), runningText);
  assert.equal(prog.address('swapper_pg_dir'), runningText + 0x10000n);
  for (const cpu of [0, 1]) assert.equal(prog.readU32((prog.perCpu('runqueues', cpu) as bigint) + BigInt(ARM64_RQ_CPU_OFFSET)), cpu);
  assert.match(prog.readCString(prog.address('linux_banner') as bigint) as string, /^Linux version .*arm64/);
});

test('what cannot be read says why: no image, tables outside RAM, a linear map that disagrees with the tables', () => {
  const k = syntheticArm64Kernel({ cpus: 1 });
  const image = locateArm64Image(k.mem, k.symbols) as Exclude<ReturnType<typeof locateArm64Image>, Unavailable>;
  // swapper_pg_dir's level 0 descriptor for _text pointing past the end of RAM.
  const l0 = Number(ARM64_TEXT_PA + 0x10000n - ARM64_RAM_BASE + ((k.textVa >> 39n) & 0x1ffn) * 8n);
  const saved = k.ram.readBigUInt64LE(l0);
  k.ram.writeBigUInt64LE(0x9_0000_0000n | 3n, l0);
  const u = arm64Addressing(k.mem, k.symbols, image) as Unavailable;
  assert.match(u.unavailable, /maps _text \(0xffff800080000000\) to 0x40200000 with none of the VA sizes a 4096-byte granule allows \(48-bit: .*level 1 descriptor \d+ at guest-physical 0x9\w+ is outside guest RAM/);
  k.ram.writeBigUInt64LE(saved, l0);
  // memstart_addr off by 1 GiB: the linear alias of _text is not where the tables map it.
  const ms = Number(ARM64_TEXT_PA + 0x2008n - ARM64_RAM_BASE);
  k.ram.writeBigUInt64LE(ARM64_RAM_BASE + (1n << 30n), ms);
  assert.match((arm64Addressing(k.mem, k.symbols, image) as Unavailable).unavailable, /the linear map \(PAGE_OFFSET 0xffff000000000000, memstart_addr 0x80000000\) puts _text's alias at 0xfffeffffc0200000, which swapper_pg_dir maps nowhere/);
  // The image header wiped: nothing is found, and the reason names what was looked for.
  k.ram.writeUInt32LE(0, Number(ARM64_TEXT_PA - ARM64_RAM_BASE + 0x38n));
  assert.match((KernelProgram.fromMemory(k.mem, k.symbols) as Unavailable).unavailable, /arm64 Image header with linux_banner/);
});

test('the virt board lays the nodes\' RAM files end to end from 0x4000_0000', () => {
  const layout = virtRamLayout([{ node: 1, file: 'n1', bytes: 256n << 20n }, { node: 0, file: 'n0', bytes: 512n << 20n }]);
  assert.deepEqual(layout.locate(0x4000_0000n)?.region.file, 'n0');
  assert.deepEqual(layout.locate(0x6000_0010n), { region: layout.regions[1], fileOffset: 0x10n, contiguous: (256n << 20n) - 0x10n });
  assert.equal(layout.locate(0x3fff_ffffn), undefined, 'below RAM: devices');
  assert.equal(layout.locate(0x7000_0000n), undefined, 'past the end');
});
