import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMem } from './guest-mem.js';
import { type Arm64Granule, type Arm64Paging, arm64Levels, descriptorAddress, walkArm64 } from './arm64-page-table.js';
import { Unavailable } from './unavailable.js';

const TABLE = 3n; // bits 1:0 = 11: a table (levels 0-2) or a page (level 3)
const BLOCK = 1n; // bits 1:0 = 01
const AF = 1n << 10n;
const SH_INNER = 3n << 8n; // shareability: address bits only under LPA2
const PXN_UXN = 3n << 53n;
const ATTRS = AF | SH_INNER | PXN_UXN | (1n << 51n) /* DBM */ | (1n << 52n) /* contiguous */;

const shiftOf = (g: Arm64Granule) => ({ 4096: 12n, 16384: 14n, 65536: 16n })[g];
const levelShift = (g: Arm64Granule, level: number) => shiftOf(g) + (shiftOf(g) - 3n) * BigInt(3 - level);
const indexAt = (p: Arm64Paging, va: bigint, level: number, first: number) => {
  const shift = levelShift(p.granule, level);
  const width = level === first ? BigInt(p.vaBits) - shift : shiftOf(p.granule) - 3n;
  return (va >> shift) & ((1n << width) - 1n);
};

/** Guest RAM at 0x4000_0000 with room for 32 tables of the granule, built descriptor by descriptor. */
function tables(granule: Arm64Granule) {
  const base = 0x4000_0000n;
  const bytes = Buffer.alloc(32 * granule);
  const mem = GuestMem.fromBuffers([{ start: base, bytes }]);
  let next = 0n;
  const alloc = () => base + BigInt(granule) * next++;
  const set = (table: bigint, index: bigint, desc: bigint) => bytes.writeBigUInt64LE(desc, Number(table - base + index * 8n));
  return { mem, alloc, set };
}

/**
 * Tables from the first level down to `leafLevel` mapping `va`, the leaf being `leaf` (a page or
 * block descriptor, or anything a test wants there). Returns the root.
 */
function chain(p: Arm64Paging, t: ReturnType<typeof tables>, va: bigint, leafLevel: number, leaf: bigint, encode = (pa: bigint) => pa): bigint {
  const { first } = arm64Levels(p) as { first: number };
  const root = t.alloc();
  let table = root;
  for (let level = first; level < leafLevel; level++) {
    const next = t.alloc();
    t.set(table, indexAt(p, va, level, first), encode(next) | TABLE);
    table = next;
  }
  t.set(table, indexAt(p, va, leafLevel, first), leaf);
  return root;
}

test('level counts and first levels follow the granule and the VA size', () => {
  const cases: [Arm64Granule, number, number, number][] = [
    [4096, 39, 3, 1], [4096, 48, 4, 0], [4096, 52, 5, -1],
    [16384, 36, 2, 2], [16384, 47, 3, 1], [16384, 48, 4, 0], [16384, 52, 4, 0],
    [65536, 42, 2, 2], [65536, 48, 3, 1], [65536, 52, 3, 1],
  ];
  for (const [granule, vaBits, levels, first] of cases) assert.deepEqual(arm64Levels({ granule, vaBits }), { levels, first }, `${granule}/${vaBits}`);
  assert.match(arm64Levels({ granule: 4096, vaBits: 53 }) as string, /outside/);
  assert.match(arm64Levels({ granule: 8192 as Arm64Granule, vaBits: 48 }) as string, /granule 8192/);
});

test('4 KiB granule, 48-bit VA: four levels to a page; attribute bits are not address', () => {
  const p: Arm64Paging = { granule: 4096, vaBits: 48, lpa2: false };
  const t = tables(4096);
  const va = 0xffff_8000_8123_4567n; // vmalloc space of a 48-bit kernel
  const root = chain(p, t, va, 3, 0x4765_4000n | ATTRS | TABLE);
  assert.deepEqual(walkArm64(t.mem, root, va, p), { pa: 0x4765_4567n, pageSize: 4096n });
});

test('4 KiB granule: 2 MiB blocks at level 2 and 1 GiB blocks at level 1 end the walk early', () => {
  const p: Arm64Paging = { granule: 4096, vaBits: 48, lpa2: false };
  const t = tables(4096);
  const va2m = 0xffff_0000_4031_2345n;
  const r2 = chain(p, t, va2m, 2, 0x4020_0000n | ATTRS | BLOCK);
  assert.deepEqual(walkArm64(t.mem, r2, va2m, p), { pa: 0x4031_2345n, pageSize: 1n << 21n });
  const va1g = 0xffff_0001_c0ab_cdefn;
  const r1 = chain(p, t, va1g, 1, 0x1_c000_0000n | ATTRS | BLOCK);
  assert.deepEqual(walkArm64(t.mem, r1, va1g, p), { pa: 0x1_c0ab_cdefn, pageSize: 1n << 30n });
});

test('4 KiB granule, 39-bit VA: three levels, the first being level 1', () => {
  const p: Arm64Paging = { granule: 4096, vaBits: 39, lpa2: false };
  const t = tables(4096);
  const va = 0xffff_ffc0_0800_1008n;
  const root = chain(p, t, va, 3, 0x5000n | AF | TABLE);
  assert.deepEqual(walkArm64(t.mem, root, va, p), { pa: 0x5008n, pageSize: 4096n });
  assert.match((walkArm64(t.mem, root, 0xffff_8000_0800_1008n, p) as Unavailable).unavailable, /not a kernel \(TTBR1\) address with 39-bit/);
});

test('4 KiB granule, 52-bit VA with LPA2: five levels from level -1; bits 9:8 are PA[51:50]; level 0 blocks', () => {
  const p: Arm64Paging = { granule: 4096, vaBits: 52, lpa2: true };
  const t = tables(4096);
  const lpa2 = (pa: bigint) => (pa & ((1n << 50n) - 1n)) | ((pa >> 50n) << 8n);
  const va = 0xfff1_2345_6789_a123n;
  const root = chain(p, t, va, 3, lpa2(0xc_0000_1234_5000n) | AF | TABLE, lpa2);
  assert.deepEqual(walkArm64(t.mem, root, va, p), { pa: 0xc_0000_1234_5123n, pageSize: 4096n });
  // The same descriptor without LPA2 reads bits 9:8 as shareability: PA[51:50] stay 0.
  assert.equal(descriptorAddress(lpa2(0xc_0000_1234_5000n) | TABLE, { granule: 4096, lpa2: false }), 0x1234_5000n);
  const vaBlock = 0xfff8_0012_3456_789an;
  const rb = chain(p, t, vaBlock, 0, lpa2(0x4_0000_0000_0000n) | AF | BLOCK, lpa2);
  assert.deepEqual(walkArm64(t.mem, rb, vaBlock, p), { pa: 0x4_0000_0000_0000n | (vaBlock & ((1n << 39n) - 1n)), pageSize: 1n << 39n });
});

test('16 KiB granule: 47-bit VA walks three levels; 32 MiB blocks at level 2; a 48-bit top level has two entries', () => {
  const p: Arm64Paging = { granule: 16384, vaBits: 47, lpa2: false };
  const t = tables(16384);
  const va = 0xffff_c000_0123_4567n;
  const root = chain(p, t, va, 3, 0x4567_c000n | ATTRS | TABLE);
  assert.deepEqual(walkArm64(t.mem, root, va, p), { pa: 0x4567_c000n | (va & 0x3fffn), pageSize: 16384n });
  const vb = 0xffff_c000_4123_4567n;
  const rb = chain(p, t, vb, 2, 0x4200_0000n | ATTRS | BLOCK);
  assert.deepEqual(walkArm64(t.mem, rb, vb, p), { pa: 0x4200_0000n | (vb & ((1n << 25n) - 1n)), pageSize: 1n << 25n });
  // A level 1 block is reserved without LPA2 at 16 KiB.
  const rr = chain(p, t, vb, 1, 0x10_0000_0000n | AF | BLOCK);
  assert.match((walkArm64(t.mem, rr, vb, p) as Unavailable).unavailable, /level 1 descriptor \d+ is a block, which a 16384-byte granule does not allow/);
  const p48: Arm64Paging = { granule: 16384, vaBits: 48, lpa2: false };
  const v48 = 0xffff_8000_0000_4000n; // bit 47 set: entry 1 of the 2-entry level 0 table
  const r48 = chain(p48, t, v48, 3, 0x4444_0000n | AF | TABLE);
  assert.deepEqual(walkArm64(t.mem, r48, v48, p48), { pa: 0x4444_0000n, pageSize: 16384n });
  assert.ok(t.mem.readU64(r48 + 8n) !== 0n, 'the level 0 descriptor used is entry 1');
});

test('64 KiB granule: 48-bit VA walks three levels; 512 MiB blocks; bits 15:12 are PA[51:48]; 42-bit VA walks two', () => {
  const p: Arm64Paging = { granule: 65536, vaBits: 48, lpa2: false };
  const t = tables(65536);
  const va = 0xffff_8000_0123_4567n;
  const high = (pa: bigint) => (pa & ((1n << 48n) - 1n)) | ((pa >> 48n) << 12n);
  const root = chain(p, t, va, 3, high(0x3_0000_4567_0000n) | AF | TABLE);
  assert.deepEqual(walkArm64(t.mem, root, va, p), { pa: 0x3_0000_4567_0000n | (va & 0xffffn), pageSize: 65536n });
  const vb = 0xffff_8000_2345_6789n;
  const rb = chain(p, t, vb, 2, 0x6000_0000n | ATTRS | BLOCK);
  assert.deepEqual(walkArm64(t.mem, rb, vb, p), { pa: 0x6000_0000n | (vb & ((1n << 29n) - 1n)), pageSize: 1n << 29n });
  const p42: Arm64Paging = { granule: 65536, vaBits: 42, lpa2: false };
  const v42 = 0xffff_fe00_1234_5678n;
  const r42 = chain(p42, t, v42, 3, 0x4321_0000n | AF | TABLE);
  assert.deepEqual(walkArm64(t.mem, r42, v42, p42), { pa: 0x4321_5678n, pageSize: 65536n });
});

test('an invalid descriptor, a reserved level 3 type and a table outside RAM each give an Unavailable that names the level', () => {
  const p: Arm64Paging = { granule: 4096, vaBits: 48, lpa2: false };
  const t = tables(4096);
  const va = 0xffff_8000_8000_0000n;
  const invalid = chain(p, t, va, 2, 0x4020_0000n | AF); // bit 0 clear
  assert.match((walkArm64(t.mem, invalid, va, p) as Unavailable).unavailable, /level 2 descriptor \d+ is invalid/);
  const reserved = chain(p, t, va, 3, 0x5000n | AF | BLOCK);
  assert.match((walkArm64(t.mem, reserved, va, p) as Unavailable).unavailable, /level 3 descriptor \d+ has the reserved type 01/);
  const outside = chain(p, t, va, 1, 0x7_0000_0000n | TABLE); // a table pointer past the end of RAM
  const u = walkArm64(t.mem, outside, va, p) as Unavailable;
  assert.match(u.unavailable, /level 2 descriptor \d+ at guest-physical 0x70000\w+ is outside guest RAM \(level 1 descriptor \d+ \(0x700000003\) pointed there\)/);
  assert.equal(u.address, va);
  const noRoot = walkArm64(t.mem, 0x1000n, va, p) as Unavailable;
  assert.match(noRoot.unavailable, /level 0 descriptor \d+ at guest-physical 0x\w+ is outside guest RAM \(the root \(swapper_pg_dir\) pointed there\)/);
});

test('tables that point back at themselves still end the walk', () => {
  const p: Arm64Paging = { granule: 4096, vaBits: 48, lpa2: false };
  const t = tables(4096);
  const self = t.alloc();
  // Every entry of one table points at the table itself: a loop for a walker that follows tables.
  for (let i = 0n; i < 512n; i++) t.set(self, i, self | TABLE);
  const r = walkArm64(t.mem, self, 0xffff_8000_8000_0000n, p);
  // Four reads, and the last (level 3) reads a "page" at the table's own address.
  assert.deepEqual(r, { pa: self, pageSize: 4096n });
  const p52: Arm64Paging = { granule: 4096, vaBits: 52, lpa2: true };
  assert.deepEqual(walkArm64(t.mem, self, 0xfff0_0000_0000_0000n, p52), { pa: self, pageSize: 4096n });
});
