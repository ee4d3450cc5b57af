import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestMem } from './guest-mem.js';
import { q35RamLayout } from './ram-layout.js';
import { isUnavailable, Unavailable } from './unavailable.js';

function known(length: number, seed: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

test('typed little-endian reads at guest-physical addresses', () => {
  const b = Buffer.alloc(64);
  b.writeUInt16LE(0xbeef, 2);
  b.writeUInt32LE(0xfeedf00d, 4);
  b.writeBigUInt64LE(0xffff888000000000n, 8);
  b.write('hello\0world', 16);
  const mem = GuestMem.fromBuffers([{ start: 0x1000n, bytes: b }]);
  assert.equal(mem.readU16(0x1002n), 0xbeef);
  assert.equal(mem.readU32(0x1004n), 0xfeedf00d);
  assert.equal(mem.readS32(0x1004n), 0xfeedf00d | 0);
  assert.equal(mem.readU64(0x1008n), 0xffff888000000000n);
  assert.equal(mem.readS64(0x1008n), -0x778000000000n);
  assert.deepEqual(mem.readCString(0x1010n), { text: 'hello', truncated: false });
  assert.deepEqual(mem.readCString(0x1016n, 3), { text: 'wor', truncated: true });
});

test('outside RAM is Unavailable naming the address, never a throw', () => {
  const mem = GuestMem.fromBuffers([{ start: 0x1000n, bytes: Buffer.alloc(16) }]);
  for (const r of [mem.readU8(0xfffn), mem.readU64(0x1009n), mem.readBytes(0x1000n, 17), mem.readU32(-4n), mem.view(0x2000n, 1), mem.readU64(0xffffffffffffff00n)]) {
    assert.ok(isUnavailable(r), `got ${String(r)}`);
  }
  const r = mem.readU64(0x1009n) as Unavailable;
  assert.match(r.unavailable, /0x1010 .*in no RAM region/);
  assert.equal(r.address, 0x1010n);
  const s = GuestMem.fromBuffers([{ start: 0n, bytes: Buffer.from('abc') }]).readCString(0n);
  assert.ok(s instanceof Unavailable, 'a string running off the end of RAM');
});

test('reads span adjacent regions; a hole between regions makes the read Unavailable', () => {
  const a = known(4096, 1);
  const b = known(4096, 2);
  const mem = GuestMem.fromBuffers([{ start: 0x10000n, bytes: a }, { start: 0x11000n, bytes: b }, { start: 0x20000n, bytes: known(16, 3) }]);
  assert.equal(mem.readU64(0x10ffcn), Buffer.concat([a.subarray(4092), b.subarray(0, 4)]).readBigUInt64LE(0));
  assert.ok(isUnavailable(mem.readBytes(0x11ff0n, 0x20)));
  assert.equal(mem.contains(0x10000n, 8192), true);
  assert.equal(mem.contains(0x10000n, 8193), false);
});

test('readBytes is a snapshot copy, view is live; writes refuse to straddle RAM', () => {
  const buf = Buffer.alloc(32);
  const mem = GuestMem.fromBuffers([{ start: 0n, bytes: buf }]);
  const copy = mem.readBytes(0n, 8) as Buffer;
  const live = mem.view(0n, 8) as Buffer;
  assert.equal(mem.writeU64(0n, 42n), undefined);
  assert.equal(copy.readBigUInt64LE(0), 0n);
  assert.equal(live.readBigUInt64LE(0), 42n);
  assert.ok(isUnavailable(mem.writeU32(30n, 1)));
  assert.equal(buf[30], 0, 'nothing written');
  const ro = GuestMem.fromBuffers([{ start: 0n, bytes: buf }], { writable: false });
  assert.match((ro.writeU32(0n, 1) as Unavailable).unavailable, /read-only/);
});

test('maps RAM files by the q35 layout and sees writes to them live', (t: TestContext) => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-guest-mem-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'ram-node0');
  const size = 2 * 1024 * 1024;
  writeFileSync(file, Buffer.alloc(size));
  const layout = q35RamLayout([{ node: 0, file, bytes: BigInt(size) }]);
  const mem = GuestMem.map(layout, { writable: true });
  const ro = GuestMem.map(layout);
  assert.equal(mem.writeU64(0x100008n, 0x1122334455667788n), undefined);
  assert.equal(readFileSync(file).readBigUInt64LE(0x100008), 0x1122334455667788n);
  assert.equal(ro.readU64(0x100008n), 0x1122334455667788n, 'a second mapping sees the write');
  assert.ok(isUnavailable(ro.readU8(0xa0000n)), 'the VGA window is not RAM');
  assert.ok(isUnavailable(ro.readU8(BigInt(size))), 'past the file');
  assert.ok(isUnavailable(ro.writeU32(0x1000n, 1)));
});

test('aligned words read as single loads from 8-byte-aligned memory, unaligned ones still read', () => {
  const aligned = Buffer.from(new ArrayBuffer(64));
  aligned.writeBigUInt64LE(0x0102030405060708n, 8);
  aligned.writeBigUInt64LE(0x1112131415161718n, 16);
  const mem = GuestMem.fromBuffers([{ start: 0x2000n, bytes: aligned }]);
  assert.equal(mem.readU64(0x2008n), 0x0102030405060708n);
  assert.equal(mem.readU32(0x200cn), 0x01020304);
  assert.equal(mem.readU64(0x200cn), 0x1516171801020304n, 'unaligned');
  // A Buffer slice at an odd offset has no aligned word view; reads fall back to bytes.
  const odd = GuestMem.fromBuffers([{ start: 0x3000n, bytes: aligned.subarray(1) }]);
  assert.equal(odd.readU64(0x3007n), 0x0102030405060708n);
});
