/**
 * LZ4 "legacy" frame encoder and decoder. For LZ4, the kernel's initramfs unpacker
 * (lib/decompress_unlz4.c) reads only this format, not the modern LZ4 frame format
 * (magic 0x184D2204) that most libraries produce, so the guest's compressed initramfs is
 * written with it.
 *
 * Stream layout:
 *   u32 LE magic 0x184C2102
 *   repeated: u32 LE compressed size, then that many bytes of one raw LZ4 block
 * Every block holds exactly 8 MiB of input except the last, which holds the rest, as
 * `lz4 -l` writes it. The kernel's pre-boot decompressor (used for LZ4-compressed kernel
 * images) decodes every block but the last into exactly 8 MiB and so depends on this; the
 * initramfs unpacker itself also accepted smaller blocks when tried on a 7.2 kernel, but
 * nothing is gained by relying on that. Empty input is the magic alone, as `lz4 -l` writes it.
 * The compressed block size must not exceed LZ4_compressBound(8 MiB).
 *
 * The blocks come from lz4-napi. Its compressSync()/compress() return the block prefixed
 * by the *uncompressed* size as u32 LE (lz4_flex's "size prepended" convention). That
 * prefix is not part of the legacy format and is cut off here; the decoder puts a prefix
 * back, which lz4-napi treats as the output capacity, before calling uncompressSync().
 */
import { compress, compressSync, uncompressSync } from 'lz4-napi';
import { KtstrError } from '../errors.js';

export const LZ4_LEGACY_MAGIC = 0x184c2102;
/** Input bytes per block; the kernel's LZ4_DEFAULT_UNCOMPRESSED_CHUNK_SIZE. */
export const LZ4_LEGACY_CHUNK_BYTES = 8 * 1024 * 1024;
/** LZ4_compressBound(8 MiB): the largest compressed block the kernel accepts. */
export const LZ4_LEGACY_MAX_BLOCK_BYTES = LZ4_LEGACY_CHUNK_BYTES + Math.floor(LZ4_LEGACY_CHUNK_BYTES / 255) + 16;

/** Length of the uncompressed-size prefix lz4-napi puts in front of every block. */
const LZ4_NAPI_SIZE_PREFIX_BYTES = 4;

/** Compresses `data` into an LZ4 legacy stream, one block per 8 MiB, on the calling thread. */
export function compressLz4Legacy(data: Uint8Array): Buffer {
  const input = asBuffer(data);
  const parts: Buffer[] = [magicBytes()];
  for (let chunkIndex = 0, offset = 0; offset < input.length; chunkIndex++, offset += LZ4_LEGACY_CHUNK_BYTES) {
    const chunk = input.subarray(offset, offset + LZ4_LEGACY_CHUNK_BYTES);
    parts.push(...legacyBlock(compressSync(chunk), chunk.length, chunkIndex));
  }
  return Buffer.concat(parts);
}

/**
 * Same output as {@link compressLz4Legacy}, but the 8 MiB chunks are compressed concurrently
 * on libuv's thread pool, which keeps the event loop free while a large archive compresses.
 */
export async function compressLz4LegacyAsync(data: Uint8Array): Promise<Buffer> {
  const input = asBuffer(data);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < input.length; offset += LZ4_LEGACY_CHUNK_BYTES) {
    chunks.push(input.subarray(offset, offset + LZ4_LEGACY_CHUNK_BYTES));
  }
  const compressed = await Promise.all(chunks.map((chunk) => compress(chunk)));
  const parts: Buffer[] = [magicBytes()];
  compressed.forEach((prefixed, chunkIndex) => parts.push(...legacyBlock(prefixed, chunks[chunkIndex]!.length, chunkIndex)));
  return Buffer.concat(parts);
}

/**
 * Decodes an LZ4 legacy stream. Like the kernel, a repeated magic number between blocks
 * starts a new stream whose output is appended, and a block size of 0 ends the stream
 * (kernels since the 2021 fix "lib/decompress_unlz4.c: correctly handle zero-padding around
 * initrds"; older kernels reject it); bytes after that zero word are not examined, as they
 * belong to whatever follows in the initrd. Every block except the last of each stream must
 * decode to exactly 8 MiB, the invariant the encoder keeps (see the top of this file).
 */
export function decompressLz4Legacy(stream: Uint8Array): Buffer {
  const input = asBuffer(stream);
  if (input.length < 4 || input.readUInt32LE(0) !== LZ4_LEGACY_MAGIC) {
    throw new KtstrError(
      'lz4 legacy stream magic',
      input.length < 4 ? `${input.length} bytes of input` : `0x${input.readUInt32LE(0).toString(16)}`,
      `must start with 0x${LZ4_LEGACY_MAGIC.toString(16)} (bytes 02 21 4c 18)`,
      'Pass data written by compressLz4Legacy or `lz4 -l`; the modern LZ4 frame format (0x184d2204) is a different format.',
    );
  }
  const parts: Buffer[] = [];
  let offset = 4;
  let previousBlockBytes = LZ4_LEGACY_CHUNK_BYTES; // size of the block before this one in the current stream
  let blockIndex = 0;
  while (offset < input.length) {
    if (input.length - offset < 4) {
      throw truncated(`block ${blockIndex} size field`, offset, input.length);
    }
    const blockBytes = input.readUInt32LE(offset);
    offset += 4;
    if (blockBytes === 0) break;
    if (blockBytes === LZ4_LEGACY_MAGIC) {
      previousBlockBytes = LZ4_LEGACY_CHUNK_BYTES;
      continue;
    }
    if (blockBytes > LZ4_LEGACY_MAX_BLOCK_BYTES) {
      throw new KtstrError(
        `lz4 legacy block ${blockIndex} size (at byte ${offset - 4})`,
        blockBytes,
        `exceeds LZ4_compressBound(8 MiB) = ${LZ4_LEGACY_MAX_BLOCK_BYTES}`,
        'The stream is corrupt or not an LZ4 legacy stream.',
      );
    }
    if (previousBlockBytes !== LZ4_LEGACY_CHUNK_BYTES) {
      throw new KtstrError(
        `lz4 legacy block ${blockIndex - 1}`,
        previousBlockBytes,
        `decodes to fewer than ${LZ4_LEGACY_CHUNK_BYTES} bytes but is not the last block`,
        'Only the last block may be short; the kernel\'s pre-boot decoder expects 8 MiB from the others. Re-create the stream with compressLz4Legacy or `lz4 -l`.',
      );
    }
    if (input.length - offset < blockBytes) {
      throw truncated(`block ${blockIndex} data`, offset + blockBytes, input.length);
    }
    const capacityPrefix = Buffer.alloc(LZ4_NAPI_SIZE_PREFIX_BYTES);
    capacityPrefix.writeUInt32LE(LZ4_LEGACY_CHUNK_BYTES);
    let decoded: Buffer;
    try {
      decoded = uncompressSync(Buffer.concat([capacityPrefix, input.subarray(offset, offset + blockBytes)]));
    } catch (cause) {
      throw new KtstrError(
        `lz4 legacy block ${blockIndex} (at byte ${offset - 4})`,
        `${blockBytes} compressed bytes`,
        `is not a valid LZ4 block of at most 8 MiB: ${(cause as Error).message}`,
        'The stream is corrupt; re-create it.',
        { cause },
      );
    }
    parts.push(decoded);
    previousBlockBytes = decoded.length;
    offset += blockBytes;
    blockIndex++;
  }
  return Buffer.concat(parts);
}

function legacyBlock(prefixedBlock: Buffer, chunkBytes: number, chunkIndex: number): Buffer[] {
  const announced = prefixedBlock.readUInt32LE(0);
  if (announced !== chunkBytes) {
    // Guards the prefix assumption above: if lz4-napi ever stops prepending the size, fail loudly.
    throw new KtstrError(
      `lz4-napi block prefix (chunk ${chunkIndex})`,
      announced,
      `should be the chunk's uncompressed size ${chunkBytes}`,
      'The installed lz4-napi changed its output format; check its version against core/package.json.',
    );
  }
  const block = prefixedBlock.subarray(LZ4_NAPI_SIZE_PREFIX_BYTES);
  if (block.length > LZ4_LEGACY_MAX_BLOCK_BYTES) {
    throw new KtstrError(
      `lz4 legacy block ${chunkIndex} size`,
      block.length,
      `exceeds LZ4_compressBound(8 MiB) = ${LZ4_LEGACY_MAX_BLOCK_BYTES}, which the kernel rejects`,
      'This indicates a bug in the LZ4 compressor; report it with the input that triggers it.',
    );
  }
  const size = Buffer.alloc(4);
  size.writeUInt32LE(block.length);
  return [size, block];
}

function magicBytes(): Buffer {
  const magic = Buffer.alloc(4);
  magic.writeUInt32LE(LZ4_LEGACY_MAGIC);
  return magic;
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function truncated(what: string, needed: number, available: number): KtstrError {
  return new KtstrError(
    `lz4 legacy stream ${what}`,
    `${available} bytes`,
    `is truncated: needs at least ${needed} bytes`,
    'The stream was cut short; re-create or re-copy it.',
  );
}
