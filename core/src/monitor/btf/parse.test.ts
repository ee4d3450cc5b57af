import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { elfSection } from '../../initramfs/elf.js';
import { BtfError } from './btf-error.js';
import { BtfWriter } from './btf-writer.js';
import { kernelLikeBtf } from './fixture.js';
import { readElfBtf } from './load.js';
import { parseBtf } from './parse.js';

const good = kernelLikeBtf().bytes;

function withHeader(edit: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const bytes = good.slice();
  edit(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes);
  return bytes;
}

function problem(bytes: Uint8Array): BtfError {
  const r = parseBtf(bytes);
  assert.ok(r instanceof BtfError, 'expected a BtfError');
  return r;
}

test('header problems are BtfErrors naming the byte offset of the bad field', () => {
  assert.equal(problem(new Uint8Array(10)).offset, 0);
  assert.match(problem(new Uint8Array(10)).problem, /shorter than the 24-byte BTF header/);
  const magic = problem(withHeader((v) => v.setUint16(0, 0x1234, true)));
  assert.equal(magic.offset, 0);
  assert.match(magic.message, /0x1234/);
  assert.match(problem(withHeader((v) => v.setUint16(0, 0x9feb, true))).problem, /big-endian/);
  assert.equal(problem(withHeader((v) => v.setUint8(2, 2))).offset, 2);
  assert.equal(problem(withHeader((v) => v.setUint32(4, 8, true))).offset, 4);
  assert.equal(problem(withHeader((v) => v.setUint32(12, 0xfffffff0, true))).offset, 12);
  assert.equal(problem(withHeader((v) => v.setUint32(20, 0xfffffff0, true))).offset, 20);
  assert.match(problem(withHeader((v) => v.setUint32(8, 2, true))).problem, /not 4-byte aligned/);
});

test('record problems name the type id and the record\'s byte offset', () => {
  const w = new BtfWriter();
  w.int('int', 4, { signed: true });
  w.raw([0, (21 << 24) >>> 0, 0]); // kind 21 does not exist
  const unknown = problem(w.build());
  assert.equal(unknown.offset, 24 + 16 + 4, 'the info word of the second record');
  assert.match(unknown.problem, /type 2: unknown kind/);

  const far = new BtfWriter();
  far.ptr(99);
  const r = problem(far.build());
  assert.equal(r.offset, 24 + 8);
  assert.match(r.problem, /refers to type 99, but the last type id is 1/);

  const name = new BtfWriter();
  name.raw([1 << 20, (1 << 24) >>> 0, 4, 32]);
  assert.match(problem(name.build()).problem, /name_off is beyond the string sections/);

  const vlen = new BtfWriter();
  vlen.raw([0, ((4 << 24) | 0xffff) >>> 0, 8]); // a struct claiming 65535 members and having none
  assert.match(problem(vlen.build()).problem, /runs past the end of the type section/);
});

test('a truncated blob is rejected wherever it is cut', () => {
  for (let cut = 0; cut < good.length; cut++) {
    const r = parseBtf(good.subarray(0, cut));
    assert.ok(r instanceof BtfError, `cut at ${cut}`);
  }
});

test('the string section must start and end with NUL', () => {
  const bytes = good.slice();
  bytes[bytes.length - 1] = 0x41;
  assert.match(problem(bytes).problem, /does not end with a NUL/);
});

test('the header may be longer than 24 bytes (newer fields are skipped)', () => {
  const b = Buffer.from(good);
  const longer = Buffer.concat([b.subarray(0, 24), Buffer.alloc(8), b.subarray(24)]);
  longer.writeUInt32LE(32, 4);
  const r = parseBtf(longer);
  assert.ok(!(r instanceof BtfError), r instanceof BtfError ? r.message : '');
  assert.deepEqual(r.find('rq').length, 1);
});

test('the .BTF section is read from an ELF file, and a file without one is a BtfError', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-btf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const btfFile = join(dir, 'btf.bin');
  writeFileSync(btfFile, good);
  const elf = join(dir, 'with-btf.o');
  try {
    execFileSync('objcopy', ['-I', 'binary', '-O', 'elf64-x86-64', '--rename-section', `.data=.BTF`, btfFile, elf], { stdio: 'ignore' });
  } catch {
    t.skip('objcopy is not installed');
    return;
  }
  const r = readElfBtf(elf);
  assert.ok(!(r instanceof BtfError), r instanceof BtfError ? r.message : '');
  assert.deepEqual(r.find('scx_rq').length, 1);
  assert.deepEqual(elfSection(readFileSync(elf), elf, '.BTF'), Buffer.from(good), 'the same section from bytes in memory');

  const none = join(dir, 'no-btf.o');
  execFileSync('objcopy', ['-I', 'binary', '-O', 'elf64-x86-64', btfFile, none], { stdio: 'ignore' });
  const missing = readElfBtf(none);
  assert.ok(missing instanceof BtfError && /has no .BTF section/.test(missing.problem));
  const notElf = readElfBtf(btfFile);
  assert.ok(notElf instanceof BtfError && notElf.cause instanceof Error && /not an ELF file/.test(notElf.problem));
});
