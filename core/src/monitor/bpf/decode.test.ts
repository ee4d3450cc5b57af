import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BtfWriter } from '../btf/btf-writer.js';
import { parseBtf } from '../btf/parse.js';
import type { Btf } from '../btf/btf.js';
import { Unavailable } from '../unavailable.js';
import { decodeValue } from './decode.js';
import { encodeValue } from './encode.js';

/** A .bss as clang and libbpf lay one out: a u64 counter, a u32 knob, a char[8], a struct with a bitfield, an enum. */
function bss(): { btf: Btf; sec: number; u64: number; u32: number; chars: number; mode: number } {
  const w = new BtfWriter();
  const u64 = w.int('unsigned long long', 8);
  const u32 = w.int('unsigned int', 4);
  const s32 = w.int('int', 4, { signed: true });
  const char = w.int('char', 1, { signed: true, char: true });
  const chars = w.array(char, u32, 8);
  const flags = w.struct('flags', 4, [{ name: 'on', type: u32, bitsOffset: 0, bitfieldSize: 1 }, { name: 'level', type: s32, bitsOffset: 1, bitfieldSize: 3 }]);
  const mode = w.enum('mode', 4, [['MODE_OFF', 0], ['MODE_ON', 2]]);
  const vars = [w.var('nr_enqueued', u64), w.var('knob', w.volatile(u32)), w.var('comm', chars), w.var('f', flags), w.var('m', mode)];
  const sec = w.datasec('.bss', 28, [
    { type: vars[0]!, offset: 0, size: 8 }, { type: vars[1]!, offset: 8, size: 4 }, { type: vars[2]!, offset: 12, size: 8 },
    { type: vars[3]!, offset: 20, size: 4 }, { type: vars[4]!, offset: 24, size: 4 },
  ]);
  const btf = parseBtf(w.build());
  if (btf instanceof Error) throw btf;
  return { btf, sec, u64, u32, chars, mode };
}

test('a DATASEC decodes to its variables by name, each by its type', () => {
  const { btf, sec } = bss();
  const b = Buffer.alloc(28);
  b.writeBigUInt64LE(2n ** 60n + 3n, 0);
  b.writeUInt32LE(7, 8);
  b.write('ktstr', 12, 'latin1');
  b.writeUInt32LE(1 | (0b101 << 1), 20); // on = 1, level = -3 (3-bit two's complement)
  b.writeUInt32LE(2, 24);
  assert.deepEqual(decodeValue(btf, sec, b), { nr_enqueued: 2n ** 60n + 3n, knob: 7, comm: 'ktstr', f: { on: 1, level: -3 }, m: 'MODE_ON' });
});

test('too few bytes for a type is Unavailable, not a short read', () => {
  const { btf, u64 } = bss();
  assert.ok(decodeValue(btf, u64, Buffer.alloc(4)) instanceof Unavailable);
});

test('values encode to the bytes of their type, and what does not fit is refused with why', () => {
  const { btf, u64, u32, chars, mode } = bss();
  assert.deepEqual(encodeValue(btf, u64, 2n ** 63n, 'x'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 0x80]));
  assert.deepEqual(encodeValue(btf, u32, 500, 'knob'), Buffer.from([0xf4, 1, 0, 0]));
  assert.deepEqual(encodeValue(btf, u32, true, 'knob'), Buffer.from([1, 0, 0, 0]));
  assert.deepEqual(encodeValue(btf, chars, 'ab', 'comm'), Buffer.from([0x61, 0x62, 0, 0, 0, 0, 0, 0]));
  assert.deepEqual(encodeValue(btf, mode, 'MODE_ON', 'm'), Buffer.from([2, 0, 0, 0]));
  assert.match((encodeValue(btf, u32, 2 ** 32, 'knob') as Error).message, /knob: 4294967296 does not fit in an unsigned 32-bit/);
  assert.match((encodeValue(btf, u32, -1, 'knob') as Error).message, /does not fit/);
  assert.match((encodeValue(btf, u32, 1.5, 'knob') as Error).message, /not an integer/);
  assert.match((encodeValue(btf, chars, 'ktstr-long', 'comm') as Error).message, /does not fit in char\[8\]/);
  assert.match((encodeValue(btf, mode, 'MODE_X', 'm') as Error).message, /not a value of ENUM 'mode'/);
});
