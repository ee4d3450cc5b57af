import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMem } from './guest-mem.js';
import { isCanonical, PAGE_1G, PAGE_2M, PAGE_4K, pgdFromCr3, walkPageTable } from './page-table.js';
import { Unavailable } from './unavailable.js';

const P = 1n; // present
const RW = 2n;
const PS = 1n << 7n;
const NX = 1n << 63n;

/** 64 pages of guest RAM at 0x100000 holding page tables built entry by entry. */
function tables() {
  const base = 0x100000n;
  const bytes = Buffer.alloc(64 * 4096);
  const mem = GuestMem.fromBuffers([{ start: base, bytes }]);
  let next = 0n;
  const alloc = () => base + 4096n * next++;
  const set = (table: bigint, index: bigint, entry: bigint) => bytes.writeBigUInt64LE(entry, Number(table - base + index * 8n));
  return { mem, alloc, set };
}

const idx = (va: bigint, level: number) => (va >> (12n + 9n * BigInt(level))) & 0x1ffn;

test('4-level walk to a 4 KiB page, NX and flag bits masked off the address', () => {
  const { mem, alloc, set } = tables();
  const va = 0xffffc90000123456n; // vmalloc space
  const [pgd, pud, pmd, pte] = [alloc(), alloc(), alloc(), alloc()];
  set(pgd, idx(va, 3), pud | P | RW);
  set(pud, idx(va, 2), pmd | P | RW);
  set(pmd, idx(va, 1), pte | P | RW);
  set(pte, idx(va, 0), NX | 0x7654000n | P | RW | (1n << 5n) | (1n << 6n));
  assert.deepEqual(walkPageTable(mem, pgd, va, 4), { pa: 0x7654456n, pageSize: PAGE_4K });
});

test('2 MiB and 1 GiB pages end the walk early; the PAT bit is not address', () => {
  const { mem, alloc, set } = tables();
  const [pgd, pud, pmd] = [alloc(), alloc(), alloc()];
  const va2m = 0xffff888040312345n;
  set(pgd, idx(va2m, 3), pud | P);
  set(pud, idx(va2m, 2), pmd | P);
  set(pmd, idx(va2m, 1), 0x40200000n | (1n << 12n) | PS | P); // bit 12 = PAT in a huge entry
  assert.deepEqual(walkPageTable(mem, pgd, va2m, 4), { pa: 0x40312345n, pageSize: PAGE_2M });
  const va1g = 0xffff8881c0abcdefn;
  set(pud, idx(va1g, 2), 0x1c0000000n | PS | P);
  assert.deepEqual(walkPageTable(mem, pgd, va1g, 4), { pa: 0x1c0abcdefn, pageSize: PAGE_1G });
});

test('5-level walk goes through a P4D, and the same address is non-canonical for 4 levels', () => {
  const { mem, alloc, set } = tables();
  const va = 0xff11000000001008n; // 5-level direct map range
  const [pgd, p4d, pud, pmd, pte] = [alloc(), alloc(), alloc(), alloc(), alloc()];
  set(pgd, idx(va, 4), p4d | P);
  set(p4d, idx(va, 3), pud | P);
  set(pud, idx(va, 2), pmd | P);
  set(pmd, idx(va, 1), pte | P);
  set(pte, idx(va, 0), 0x5000n | P);
  assert.deepEqual(walkPageTable(mem, pgd, va, 5), { pa: 0x5008n, pageSize: PAGE_4K });
  assert.equal(isCanonical(va, 5), true);
  assert.equal(isCanonical(va, 4), false);
  assert.match((walkPageTable(mem, pgd, va, 4) as Unavailable).unavailable, /not canonical for 4-level/);
});

test('a non-present entry names its level and index', () => {
  const { mem, alloc, set } = tables();
  const va = 0xffffc90000000000n;
  const [pgd, pud] = [alloc(), alloc()];
  set(pgd, idx(va, 3), pud | P);
  set(pud, idx(va, 2), 0xdead000n); // present bit clear
  const r = walkPageTable(mem, pgd, va, 4) as Unavailable;
  assert.ok(r instanceof Unavailable);
  assert.match(r.unavailable, /PUD entry 0 not present \(0xdead000\)/);
  assert.match((walkPageTable(mem, pgd, 0x1000n, 4) as Unavailable).unavailable, /PGD entry 0 not present/);
});

test('a table pointing at itself ends after the last level instead of looping', () => {
  const { mem, alloc, set } = tables();
  const pgd = alloc();
  // Every index 0 entry points back at this very table: a walk of VA 0 reads it at all levels.
  set(pgd, 0n, pgd | P | RW);
  assert.deepEqual(walkPageTable(mem, pgd, 0x123n, 4), { pa: pgd + 0x123n, pageSize: PAGE_4K });
  assert.deepEqual(walkPageTable(mem, pgd, 0x123n, 5), { pa: pgd + 0x123n, pageSize: PAGE_4K });
});

test('a table outside guest RAM is Unavailable, not a host read', () => {
  const { mem, alloc, set } = tables();
  const va = 0xffffc90000000000n;
  const pgd = alloc();
  set(pgd, idx(va, 3), 0xfee00000n | P); // the local APIC page, not RAM
  assert.match((walkPageTable(mem, pgd, va, 4) as Unavailable).unavailable, /PUD entry 0 at guest-physical 0xfee00000 is outside guest RAM/);
  assert.match((walkPageTable(mem, 0x7fff0000000n, va, 4) as Unavailable).unavailable, /PGD entry .* outside guest RAM/);
});

test('CR3: PCID, no-flush and (with PTI) the user-copy bit are not part of the PGD address', () => {
  const cr3 = (1n << 63n) | 0x2a0b000n | (1n << 12n) | 0x5n;
  assert.equal(pgdFromCr3(cr3, { pti: true }), 0x2a0a000n);
  assert.equal(pgdFromCr3(cr3, { pti: false }), 0x2a0b000n);
});
