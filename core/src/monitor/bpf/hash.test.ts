import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Unavailable } from '../unavailable.js';
import { hashEntries, type HashMemory } from './hash.js';
import type { BpfMapInfo } from './maps.js';
import type { BpfOffsets } from './offsets.js';

const o = { htab: { buckets: 0x10n, nBuckets: 0x18n, bucketSize: 16n, elemKey: 48n } } as BpfOffsets;
const MAP = 0x1000n;
const BUCKETS = 0x2000n;

/** Memory of u64 words and byte runs at addresses; anything else is Unavailable, as unmapped guest memory is. */
function memory(words: Map<bigint, bigint>, bytes: Map<bigint, Buffer>): HashMemory {
  return {
    readU64: (va) => words.get(va) ?? new Unavailable(`nothing at ${va.toString(16)}`, va),
    readU32: (va) => (words.has(va) ? Number(words.get(va)) : new Unavailable(`nothing at ${va.toString(16)}`, va)),
    readBytes: (va, n) => bytes.get(va)?.subarray(0, n) ?? new Unavailable(`nothing at ${va.toString(16)}`, va),
  };
}

const map = (over: Partial<BpfMapInfo> = {}): BpfMapInfo => ({
  id: 3, address: MAP, name: 'wake_cpus', type: 'hash', typeNumber: 1, flags: 0, flagNames: [], keySize: 4, valueSize: 8, maxEntries: 4, btf: 0n, btfKeyTypeId: 0, btfValueTypeId: 0, ...over,
});

/** A table of 2 buckets: bucket 0 holds elements A -> B, bucket 1 is empty; nulls markers are odd. */
function table(chainEnd: (a: bigint, b: bigint) => bigint) {
  const A = 0x3000n;
  const B = 0x4000n;
  const words = new Map<bigint, bigint>([
    [MAP + 0x10n, BUCKETS], [MAP + 0x18n, 2n],
    [BUCKETS, A], [BUCKETS + 16n, (1n << 1n) | 1n],
    [A, B], [B, chainEnd(A, B)],
  ]);
  const u32 = (v: number) => Buffer.from(new Uint32Array([v]).buffer);
  const u64 = (v: bigint) => Buffer.from(new BigUint64Array([v]).buffer);
  // The value follows the key rounded up to 8 bytes.
  const bytes = new Map<bigint, Buffer>([[A + 48n, u32(0)], [A + 56n, u64(41n)], [B + 48n, u32(1)], [B + 56n, u64(7n)]]);
  return memory(words, bytes);
}

test('every element of every bucket chain, key and value at their offsets, up to each nulls marker', () => {
  const walk = hashEntries(table(() => 1n), o, map());
  assert.ok(!(walk instanceof Unavailable), String(walk));
  assert.equal(walk.truncated, undefined);
  assert.deepEqual(walk.entries.map((e) => [e.key.readUInt32LE(0), e.value.readBigUInt64LE(0)]), [[0, 41n], [1, 7n]]);
});

test('a chain that loops ends at max_entries and says so; the limit ends a walk too', () => {
  const loop = hashEntries(table((a) => a), o, map(), { limit: 100 });
  assert.ok(!(loop instanceof Unavailable));
  assert.match(loop.truncated!, /bucket 0's chain is longer than max_entries 4/);
  assert.equal(loop.entries.length, 5);
  const limited = hashEntries(table(() => 1n), o, map(), { limit: 1 });
  assert.ok(!(limited instanceof Unavailable));
  assert.equal(limited.entries.length, 1);
  assert.match(limited.truncated!, /limit of 1/);
});

test('other map types and unreadable chains are Unavailable with the reason', () => {
  const arr = hashEntries(table(() => 1n), o, map({ type: 'array' }));
  assert.ok(arr instanceof Unavailable && /is a array map/.test(arr.unavailable));
  const broken = hashEntries(table(() => 0x9000n), o, map());
  assert.ok(broken instanceof Unavailable && /nothing at 9030/.test(broken.unavailable), String(broken));
});
