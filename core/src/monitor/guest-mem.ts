/**
 * Guest RAM read (and written) from the host by guest-physical address.
 *
 * Each NUMA node's RAM is a shared file (memory-backend-file share=on); mapping it MAP_SHARED
 * shows the running guest's memory as it changes, without stopping the VM. ram-layout.ts says
 * which file and offset hold each guest-physical address; this file bounds-checks every access
 * against that layout, so an address outside guest RAM yields an `Unavailable`, never a read of
 * host memory or a SIGBUS.
 *
 * Files are mapped in windows of at most WINDOW_BYTES because one Buffer cannot span more than
 * Node allows (buffer.constants.MAX_LENGTH), and lazily, so a monitor that reads a few pages of a
 * large guest maps only the windows it touches.
 *
 * Two ways to read bytes: `readBytes` copies (a snapshot that stays put while the guest runs on),
 * `view` returns the live mapping (it changes as the guest writes).
 *
 * The guest writes while the host reads. An aligned u32/u64 read is one load of a typed-array
 * element (as the kernel's own READ_ONCE of a naturally aligned field is), so a counter the guest
 * is updating reads as its old or its new value, never as a mix of the two; Buffer's
 * readBigUInt64LE reads byte by byte and could. Unaligned reads have no such guarantee, in the
 * guest either.
 */
import { endianness } from 'node:os';
import { mapFileShared } from '@ktstr/native';
import { type RamLayout } from './ram-layout.js';
import { hex, Unavailable } from './unavailable.js';

export const WINDOW_BYTES = 1n << 30n;

interface Segment {
  start: bigint;
  end: bigint;
  /** The segment's bytes; mapped on first use for file-backed memory. */
  bytes(): Buffer;
  /** Word views of `bytes()` for single-load aligned reads, when its start is 8-byte aligned. */
  words?: { u32: Uint32Array; u64: BigUint64Array } | null;
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Typed views over a segment, or null when its Buffer does not start 8-byte aligned (pooled Buffers). */
function wordsOf(s: Segment): { u32: Uint32Array; u64: BigUint64Array } | null {
  if (s.words !== undefined) return s.words;
  const b = s.bytes();
  s.words = LITTLE_ENDIAN_HOST && b.byteOffset % 8 === 0
    ? { u32: new Uint32Array(b.buffer, b.byteOffset, b.length >> 2), u64: new BigUint64Array(b.buffer, b.byteOffset, b.length >> 3) }
    : null;
  return s.words;
}

/** Longest C string `readCString` reads unless told otherwise. */
export const DEFAULT_CSTRING_MAX = 4096;

export class GuestMem {
  private readonly segments: Segment[];

  private constructor(segments: Segment[], readonly writable: boolean) {
    this.segments = segments.sort((a, b) => (a.start < b.start ? -1 : 1));
  }

  /**
   * Maps the files of `layout`. With `writable` the mappings allow writes (they reach the
   * running guest at once); otherwise a write returns Unavailable.
   */
  static map(layout: RamLayout, options: { writable?: boolean } = {}): GuestMem {
    const writable = options.writable ?? false;
    const segments: Segment[] = [];
    for (const r of layout.regions) {
      for (let s = r.start; s < r.end; s += WINDOW_BYTES) {
        const e = s + WINDOW_BYTES < r.end ? s + WINDOW_BYTES : r.end;
        const fileOffset = r.fileOffset + (s - r.start);
        let buf: Buffer | undefined;
        segments.push({
          start: s,
          end: e,
          bytes: () => (buf ??= mapFileShared(r.file, fileOffset, Number(e - s), writable)),
        });
      }
    }
    return new GuestMem(segments, writable);
  }

  /** Memory made of Buffers placed at guest-physical addresses: tests build known bytes this way. */
  static fromBuffers(parts: readonly { start: bigint; bytes: Buffer }[], options: { writable?: boolean } = {}): GuestMem {
    return new GuestMem(
      parts.map((p) => ({ start: p.start, end: p.start + BigInt(p.bytes.length), bytes: () => p.bytes })),
      options.writable ?? true,
    );
  }

  private segmentAt(pa: bigint): Segment | undefined {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.segments[mid]!;
      if (pa < s.start) hi = mid - 1;
      else if (pa >= s.end) lo = mid + 1;
      else return s;
    }
    return undefined;
  }

  /** The segment buffer and offset holding [pa, pa + length), when one segment holds all of it. */
  private within(pa: bigint, length: number): { buf: Buffer; off: number; seg: Segment } | Unavailable {
    if (pa < 0n) return new Unavailable(`guest-physical ${hex(pa)}: negative address`, pa);
    const s = this.segmentAt(pa);
    if (!s) return new Unavailable(`guest-physical ${hex(pa)}: in no RAM region`, pa);
    if (pa + BigInt(length) > s.end) return new Unavailable(`guest-physical ${hex(pa)}+${length}: crosses the end of a mapping window`, pa);
    return { buf: s.bytes(), off: Number(pa - s.start), seg: s };
  }

  /** The lowest guest-physical address backed by RAM (0 on x86's q35, 0x4000_0000 on arm64's virt). */
  get start(): bigint {
    return this.segments.length ? this.segments[0]!.start : 0n;
  }

  /** One past the highest guest-physical address backed by RAM. */
  get end(): bigint {
    return this.segments.length ? this.segments[this.segments.length - 1]!.end : 0n;
  }

  /** True when every byte of [pa, pa + length) is guest RAM. */
  contains(pa: bigint, length = 1): boolean {
    let at = pa;
    const end = pa + BigInt(length);
    while (at < end) {
      const s = this.segmentAt(at);
      if (!s) return false;
      at = s.end;
    }
    return true;
  }

  readU8(pa: bigint): number | Unavailable {
    const w = this.within(pa, 1);
    return w instanceof Unavailable ? w : w.buf[w.off]!;
  }

  readU16(pa: bigint): number | Unavailable {
    const w = this.within(pa, 2);
    if (!(w instanceof Unavailable)) return w.buf.readUInt16LE(w.off);
    const b = this.readBytes(pa, 2);
    return b instanceof Unavailable ? b : b.readUInt16LE(0);
  }

  readU32(pa: bigint): number | Unavailable {
    const w = this.within(pa, 4);
    if (!(w instanceof Unavailable)) {
      const words = w.off % 4 === 0 ? wordsOf(w.seg) : null;
      return words ? words.u32[w.off >> 2]! : w.buf.readUInt32LE(w.off);
    }
    const b = this.readBytes(pa, 4);
    return b instanceof Unavailable ? b : b.readUInt32LE(0);
  }

  readU64(pa: bigint): bigint | Unavailable {
    const w = this.within(pa, 8);
    if (!(w instanceof Unavailable)) {
      const words = w.off % 8 === 0 ? wordsOf(w.seg) : null;
      return words ? words.u64[w.off / 8]! : w.buf.readBigUInt64LE(w.off);
    }
    const b = this.readBytes(pa, 8);
    return b instanceof Unavailable ? b : b.readBigUInt64LE(0);
  }

  readS32(pa: bigint): number | Unavailable {
    const v = this.readU32(pa);
    return v instanceof Unavailable ? v : v | 0;
  }

  readS64(pa: bigint): bigint | Unavailable {
    const v = this.readU64(pa);
    return v instanceof Unavailable ? v : BigInt.asIntN(64, v);
  }

  /**
   * A copy of `length` bytes from `pa`: a snapshot that no longer changes with the guest. Spans
   * consecutive regions (e.g. two nodes' files that are adjacent in guest-physical space); any
   * byte outside RAM makes the whole read Unavailable.
   */
  readBytes(pa: bigint, length: number): Buffer | Unavailable {
    if (!Number.isSafeInteger(length) || length < 0) return new Unavailable(`guest-physical ${hex(pa)}: bad length ${length}`, pa);
    if (pa < 0n) return new Unavailable(`guest-physical ${hex(pa)}: negative address`, pa);
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const at = pa + BigInt(done);
      const s = this.segmentAt(at);
      if (!s) return new Unavailable(`guest-physical ${hex(at)} (byte ${done} of ${length} from ${hex(pa)}): in no RAM region`, at);
      const off = Number(at - s.start);
      const n = Math.min(length - done, Number(s.end - at));
      s.bytes().copy(out, done, off, off + n);
      done += n;
    }
    return out;
  }

  /** A live view of [pa, pa + length): it changes as the guest writes. One mapping window at most. */
  view(pa: bigint, length: number): Buffer | Unavailable {
    const w = this.within(pa, length);
    return w instanceof Unavailable ? w : w.buf.subarray(w.off, w.off + length);
  }

  /**
   * The NUL-terminated string at `pa`, read up to `max` bytes (a string that long without a NUL
   * is returned cut at `max`, flagged `truncated`). Stops at the end of RAM with Unavailable.
   */
  readCString(pa: bigint, max = DEFAULT_CSTRING_MAX): { text: string; truncated: boolean } | Unavailable {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < max) {
      const at = pa + BigInt(got);
      const s = this.segmentAt(at);
      if (!s) return new Unavailable(`C string at guest-physical ${hex(pa)}: byte ${got} (${hex(at)}) is in no RAM region`, at);
      const off = Number(at - s.start);
      const chunk = s.bytes().subarray(off, off + Math.min(max - got, Number(s.end - at)));
      const nul = chunk.indexOf(0);
      if (nul >= 0) {
        parts.push(chunk.subarray(0, nul));
        return { text: Buffer.concat(parts).toString('utf8'), truncated: false };
      }
      parts.push(chunk);
      got += chunk.length;
    }
    return { text: Buffer.concat(parts).toString('utf8'), truncated: true };
  }

  /** Writes `bytes` at `pa` into the guest's RAM; Unavailable (and nothing written) if any byte is outside RAM. */
  writeBytes(pa: bigint, bytes: Uint8Array): undefined | Unavailable {
    if (!this.writable) return new Unavailable(`guest-physical ${hex(pa)}: this GuestMem was mapped read-only`, pa);
    if (!this.contains(pa, bytes.length)) return new Unavailable(`guest-physical ${hex(pa)}+${bytes.length}: not all in RAM; nothing written`, pa);
    let done = 0;
    while (done < bytes.length) {
      const at = pa + BigInt(done);
      const s = this.segmentAt(at)!;
      const off = Number(at - s.start);
      const n = Math.min(bytes.length - done, Number(s.end - at));
      s.bytes().set(bytes.subarray(done, done + n), off);
      done += n;
    }
    return undefined;
  }

  writeU32(pa: bigint, value: number): undefined | Unavailable {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value >>> 0);
    return this.writeBytes(pa, b);
  }

  writeU64(pa: bigint, value: bigint): undefined | Unavailable {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, value));
    return this.writeBytes(pa, b);
  }
}
