import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressSync, uncompressSync } from 'lz4-napi';
import {
  compressLz4Legacy,
  compressLz4LegacyAsync,
  decompressLz4Legacy,
  LZ4_LEGACY_CHUNK_BYTES,
  LZ4_LEGACY_MAGIC,
} from './lz4-legacy.js';

const MiB = 1024 * 1024;

/** Deterministic mix of incompressible and highly repetitive stretches, like a real initramfs. */
function mixedBytes(length: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.alloc(length);
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const text = Buffer.from('ELF\0ktstr scheduler test framework /usr/lib/x86_64-linux-gnu/libc.so.6 ');
  let offset = 0;
  while (offset < length) {
    const run = Math.min(length - offset, 1 + (next() % (256 * 1024)));
    if (next() & 1) {
      for (let i = 0; i < run; i++) out[offset + i] = next() & 0xff;
    } else {
      for (let i = 0; i < run; i++) out[offset + i] = text[i % text.length]!;
    }
    offset += run;
  }
  return out;
}

/** Splits a legacy stream into its blocks without decoding them. */
function blocksOf(stream: Buffer): Buffer[] {
  assert.equal(stream.readUInt32LE(0), LZ4_LEGACY_MAGIC);
  const blocks: Buffer[] = [];
  let offset = 4;
  while (offset < stream.length) {
    const size = stream.readUInt32LE(offset);
    blocks.push(stream.subarray(offset + 4, offset + 4 + size));
    offset += 4 + size;
  }
  assert.equal(offset, stream.length, 'the last block runs past the end');
  return blocks;
}

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-lz4-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function lz4Cli(args: string[], input: Buffer, dir: string): Buffer {
  const inputPath = join(dir, 'in');
  const outputPath = join(dir, 'out');
  writeFileSync(inputPath, input);
  execFileSync('lz4', [...args, '-q', '-f', inputPath, outputPath], { stdio: 'pipe' });
  return readFileSync(outputPath);
}

const sizes = [0, 1, LZ4_LEGACY_CHUNK_BYTES - 1, LZ4_LEGACY_CHUNK_BYTES, LZ4_LEGACY_CHUNK_BYTES + 1, 20 * MiB + 12345];

test('lz4-napi prefixes each block with the u32 LE uncompressed size, which is not LZ4 data', () => {
  const input = Buffer.from('hello hello hello hello world, hello hello hello hello world');
  const prefixed = compressSync(input);
  assert.equal(prefixed.readUInt32LE(0), input.length);
  assert.deepEqual(uncompressSync(prefixed), input);
  // Hand-built legacy streams, checked with the reference decoder: only the block after the
  // prefix is LZ4 data; keeping the prefix corrupts the stream.
  const handBuilt = (block: Buffer): Buffer => {
    const header = Buffer.alloc(8);
    header.writeUInt32LE(LZ4_LEGACY_MAGIC, 0);
    header.writeUInt32LE(block.length, 4);
    return Buffer.concat([header, block]);
  };
  withTempDir((dir) => {
    assert.ok(lz4Cli(['-d'], handBuilt(prefixed.subarray(4)), dir).equals(input));
    let decodedWithPrefix: Buffer | undefined;
    try {
      decodedWithPrefix = lz4Cli(['-d'], handBuilt(prefixed), dir);
    } catch {
      decodedWithPrefix = undefined; // lz4 refused the stream: also proves the prefix is not LZ4 data
    }
    assert.ok(decodedWithPrefix === undefined || !decodedWithPrefix.equals(input));
  });
});

for (const size of sizes) {
  test(`round trip of ${size} bytes, with blocks of exactly 8 MiB except the last`, () => {
    const input = mixedBytes(size, size + 1);
    const stream = compressLz4Legacy(input);
    assert.equal(stream.readUInt32LE(0), LZ4_LEGACY_MAGIC);
    const blocks = blocksOf(stream);
    assert.equal(blocks.length, Math.ceil(size / LZ4_LEGACY_CHUNK_BYTES));
    blocks.forEach((block, index) => {
      // Each block must be a bare LZ4 block: decoding it with an exact-size prefix gives the chunk back.
      const expected = input.subarray(index * LZ4_LEGACY_CHUNK_BYTES, (index + 1) * LZ4_LEGACY_CHUNK_BYTES);
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32LE(expected.length);
      assert.ok(uncompressSync(Buffer.concat([prefix, block])).equals(expected), `block ${index}`);
    });
    assert.ok(decompressLz4Legacy(stream).equals(input));
  });
}

test('the lz4 CLI decodes our streams to the original bytes', () => {
  withTempDir((dir) => {
    for (const size of sizes) {
      const input = mixedBytes(size, size + 7);
      const decoded = lz4Cli(['-d'], compressLz4Legacy(input), dir);
      assert.ok(decoded.equals(input), `lz4 -d differs for ${size} bytes`);
    }
  });
});

test('our decoder reads streams written by `lz4 -l`', () => {
  withTempDir((dir) => {
    for (const size of [0, 1, LZ4_LEGACY_CHUNK_BYTES + 1, 17 * MiB]) {
      const input = mixedBytes(size, size + 3);
      const stream = lz4Cli(['-l'], input, dir);
      assert.ok(decompressLz4Legacy(stream).equals(input), `size ${size}`);
    }
  });
});

test('the empty input is the magic alone, as `lz4 -l` writes it', () => {
  assert.deepEqual([...compressLz4Legacy(Buffer.alloc(0))], [0x02, 0x21, 0x4c, 0x18]);
  assert.equal(decompressLz4Legacy(Buffer.from([0x02, 0x21, 0x4c, 0x18])).length, 0);
});

test('the async encoder writes the same bytes as the sync one', async () => {
  for (const size of [0, 5, 2 * LZ4_LEGACY_CHUNK_BYTES + 99]) {
    const input = mixedBytes(size, 42);
    assert.ok((await compressLz4LegacyAsync(input)).equals(compressLz4Legacy(input)), `size ${size}`);
  }
});

test('a Uint8Array view into a larger buffer is compressed from its own bytes only', () => {
  const backing = mixedBytes(1000);
  const view = new Uint8Array(backing.buffer, backing.byteOffset + 100, 500);
  assert.ok(decompressLz4Legacy(compressLz4Legacy(view)).equals(backing.subarray(100, 600)));
});

test('concatenated streams decode to the concatenated inputs, as in the kernel', () => {
  const a = mixedBytes(1000, 1);
  const b = mixedBytes(LZ4_LEGACY_CHUNK_BYTES + 10, 2);
  const joined = Buffer.concat([compressLz4Legacy(a), compressLz4Legacy(b)]);
  assert.ok(decompressLz4Legacy(joined).equals(Buffer.concat([a, b])));
});

test('a zero block size ends the stream, as in the kernel; what follows is left alone', () => {
  const input = mixedBytes(LZ4_LEGACY_CHUNK_BYTES + 5, 9);
  const followedByCpio = Buffer.concat([compressLz4Legacy(input), Buffer.alloc(4), Buffer.from('070701 not lz4 at all')]);
  assert.ok(decompressLz4Legacy(followedByCpio).equals(input));
});

test('malformed streams are rejected with what is wrong and where', () => {
  const input = mixedBytes(LZ4_LEGACY_CHUNK_BYTES + 100);
  const stream = compressLz4Legacy(input);
  assert.throws(() => decompressLz4Legacy(Buffer.from([0x04, 0x22, 0x4d, 0x18, 0, 0, 0, 0])), /lz4 legacy stream magic: must start with 0x184c2102 .*\(got "0x184d2204"\).*modern LZ4 frame format/);
  assert.throws(() => decompressLz4Legacy(Buffer.alloc(2)), /got "2 bytes of input"/);
  assert.throws(() => decompressLz4Legacy(stream.subarray(0, stream.length - 1)), /lz4 legacy stream block 1 data: is truncated: needs at least \d+ bytes/);
  assert.throws(() => decompressLz4Legacy(stream.subarray(0, 6)), /block 0 size field: is truncated/);
  const huge = Buffer.from([0x02, 0x21, 0x4c, 0x18, 0xff, 0xff, 0xff, 0x7f]);
  assert.throws(() => decompressLz4Legacy(huge), /block 0 size \(at byte 4\): exceeds LZ4_compressBound/);

  // A short block followed by another block breaks the 8 MiB invariant the kernel's pre-boot decoder relies on.
  const [shortBlock] = blocksOf(compressLz4Legacy(mixedBytes(10)));
  const size = Buffer.alloc(4);
  size.writeUInt32LE(shortBlock!.length);
  const shortThenMore = Buffer.concat([compressLz4Legacy(mixedBytes(10)), size, shortBlock!]);
  assert.throws(() => decompressLz4Legacy(shortThenMore), /lz4 legacy block 0: decodes to fewer than 8388608 bytes but is not the last block \(got 10\)/);

  const corrupt = Buffer.from(stream);
  corrupt.fill(0xff, 8, 40);
  assert.throws(() => decompressLz4Legacy(corrupt), /lz4 legacy block 0 \(at byte 4\).*is not a valid LZ4 block/);
});
