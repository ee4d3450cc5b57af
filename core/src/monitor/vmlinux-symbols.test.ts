import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSymtab, vmlinuxSymbols } from './vmlinux-symbols.js';
import { Symbols } from './symbols.js';
import { Unavailable } from './unavailable.js';

function sym(nameOff: number, type: number, bind: number, shndx: number, value: bigint): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(nameOff, 0);
  b[4] = (bind << 4) | type;
  b.writeUInt16LE(shndx, 6);
  b.writeBigUInt64LE(value, 8);
  return b;
}

const strtab = Buffer.from('\0_text\0runqueues\0vdso_offset\0main.c\0local_fn\0', 'latin1');
const symtab = Buffer.concat([
  Buffer.alloc(24), // the null symbol
  sym(1, 0, 1, 1, 0xffffffff81000000n), // _text: NOTYPE GLOBAL in .text
  sym(7, 1, 1, 5, 0xffffffff83a2b340n), // runqueues: OBJECT GLOBAL
  sym(17, 0, 1, 0xfff1, 0x1000n), // vdso_offset: absolute
  sym(29, 4, 0, 0xfff1, 0n), // main.c: FILE, skipped
  sym(36, 2, 0, 1, 0xffffffff81001230n), // local_fn: FUNC LOCAL
  sym(1, 0, 1, 0, 0n), // an undefined reference, skipped
]);

test('ELF symbols read as nm-style entries: absolute stays A, locals lower-case, files skipped', () => {
  assert.deepEqual(parseSymtab(symtab, strtab), [
    { name: '_text', address: 0xffffffff81000000n, type: 'T' },
    { name: 'runqueues', address: 0xffffffff83a2b340n, type: 'D' },
    { name: 'vdso_offset', address: 0x1000n, type: 'A' },
    { name: 'local_fn', address: 0xffffffff81001230n, type: 't' },
  ]);
  const slid = new Symbols(parseSymtab(symtab, strtab), 'vmlinux').withSlide(0x200000n);
  assert.equal(slid.address('_text'), 0xffffffff81200000n);
  assert.equal(slid.address('vdso_offset'), 0x1000n);
});

test('a file that is not an ELF vmlinux, or has no .symtab, is Unavailable with the reason', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-vmlinux-'));
  try {
    writeFileSync(join(dir, 'x'), 'not elf');
    assert.ok(vmlinuxSymbols(join(dir, 'x')) instanceof Unavailable);
    assert.ok(vmlinuxSymbols(join(dir, 'missing')) instanceof Unavailable);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
