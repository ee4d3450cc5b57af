/**
 * Framing of the host-guest channel: `u32 LE length | u8 kind | payload`.
 * The wire contract is docs/guest-protocol.md; the guest side is native/guest/channel.c.
 */
import { KtstrError } from '../errors.js';

export const FrameKind = {
  json: 0x4a, // 'J' guest -> host: one JSON message
  cell: 0x43, // 'C' host -> guest: the cell description
  go: 0x47, // 'G' host -> guest: the readiness gate opens
  shutdown: 0x53, // 'S' host -> guest: stop and power off
  file: 0x46, // 'F' host -> guest: put a file (see encodePutFile)
  symlink: 0x4c, // 'L' host -> guest: make a symlink
  reseed: 0x52, // 'R' host -> guest: random bytes to credit to the guest's entropy pool
  clock: 0x54, // 'T' host -> guest: wall-clock time, u64 LE ns since the epoch
  ping: 0x50, // 'P' host -> guest: answered by a `pong` message
  attach: 0x41, // 'A' host -> guest: start the scheduler before the cell (post-attach snapshots)
} as const;
export type FrameKindName = keyof typeof FrameKind;

export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
const HEADER_BYTES = 5;

export interface Frame {
  kind: number;
  payload: Buffer;
}

export function encodeFrame(kind: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  if (body.length > MAX_FRAME_BYTES) {
    throw new KtstrError('frame.length', body.length, `exceeds ${MAX_FRAME_BYTES} bytes`, 'Send large files in pieces.');
  }
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(body.length, 0);
  header.writeUInt8(kind, 4);
  return Buffer.concat([header, body]);
}

/** Accumulates bytes from a stream and yields whole frames; a stream can split a frame anywhere. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    while (this.pending.length >= HEADER_BYTES) {
      const length = this.pending.readUInt32LE(0);
      if (length > MAX_FRAME_BYTES) {
        throw new KtstrError('frame.length', length, `exceeds ${MAX_FRAME_BYTES} bytes: the stream is out of sync`,
          'The guest agent and the host disagree on the protocol; rebuild the agent (npm run build).');
      }
      if (this.pending.length < HEADER_BYTES + length) break;
      frames.push({ kind: this.pending.readUInt8(4), payload: this.pending.subarray(HEADER_BYTES, HEADER_BYTES + length) });
      this.pending = this.pending.subarray(HEADER_BYTES + length);
    }
    if (this.pending.length === 0) this.pending = Buffer.alloc(0);
    return frames;
  }

  /** Bytes received that do not yet form a whole frame (non-zero at end of stream = truncated). */
  get bufferedBytes(): number {
    return this.pending.length;
  }
}

/** 'F' payload: u32 LE path length | path | u32 LE mode | content. */
export function encodePutFile(path: string, mode: number, content: Buffer): Buffer {
  const p = Buffer.from(path, 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32LE(p.length, 0);
  const m = Buffer.alloc(4);
  m.writeUInt32LE(mode & 0o7777, 0);
  return Buffer.concat([head, p, m, content]);
}

/** 'L' payload: u32 LE path length | path | target. */
export function encodeSymlink(path: string, target: string): Buffer {
  const p = Buffer.from(path, 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32LE(p.length, 0);
  return Buffer.concat([head, p, Buffer.from(target, 'utf8')]);
}

/** 'T' payload: the host's wall clock in ns since the Unix epoch. */
export function encodeClock(nowMs = Date.now()): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(Math.round(nowMs)) * 1_000_000n, 0);
  return b;
}
