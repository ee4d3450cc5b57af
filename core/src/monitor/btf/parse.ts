/**
 * Parses a BTF blob: the `.BTF` section of a vmlinux, or a BPF program's BTF split on top of it
 * (its type ids continue after the base's last id and its string offsets continue past the
 * base's string section). Format: include/uapi/linux/btf.h and Documentation/bpf/btf.rst.
 *
 * Why our own parser: no third-party BTF library for JavaScript is worth using — a search of
 * npm's package names for "btf" finds no BPF Type Format reader at all (the maintained readers
 * are libbpf and bpftool in C, drgn in C/Python) — and the format is small and fixed.
 *
 * The parse is one pass over the type section that only records where each type's record
 * starts (a Uint32Array) and validates everything a later lookup relies on: known kinds, record
 * lengths within the section, string offsets within the string sections, and every referenced
 * type id within range. Types are decoded on demand and names indexed on first lookup, so later
 * lookups cannot fail on malformed bytes — only on cycles, which they bound.
 * Measured on the 7.2.13 cloud vmlinux (118 487 types, 5.2 MB of .BTF) on the shared 2-core
 * host under a load average of 8: reading the section ~10 ms, the parse 50-90 ms of CPU in a fresh
 * process (about 10 ms once V8 has compiled the walk), the name index ~15-20 ms on first lookup,
 * each new name ~1.5 ms after that; file to `rq.scx.nr_running` in 90-130 ms of CPU. bpftool
 * needs 0.10-0.12 s of CPU (0.15 s wall to /dev/null, 0.36 s or more writing its dump) for the
 * same file, and we keep no text.
 */
import { endianness } from 'node:os';
import { Btf, type BtfLayout } from './btf.js';
import { BtfError } from './btf-error.js';
import { BTF_KINDS } from './kinds.js';

// Kind numbers as constants: a switch over literals compiles to a jump table, property loads do not.
const K_INT = 1;
const K_PTR = 2;
const K_ARRAY = 3;
const K_STRUCT = 4;
const K_UNION = 5;
const K_ENUM = 6;
const K_FWD = 7;
const K_TYPEDEF = 8;
const K_VOLATILE = 9;
const K_CONST = 10;
const K_RESTRICT = 11;
const K_FUNC = 12;
const K_FUNC_PROTO = 13;
const K_VAR = 14;
const K_DATASEC = 15;
const K_FLOAT = 16;
const K_DECL_TAG = 17;
const K_TYPE_TAG = 18;
const K_ENUM64 = 19;

export const BTF_MAGIC = 0xeb9f;
const HEADER_BYTES = 24;
/** Smallest type record (name_off, info, size/type): bounds the number of types a section can hold. */
const RECORD_WORDS = 3;

export interface ParseOptions {
  /** The base BTF (vmlinux) this BTF is split on; its types and strings come first. */
  readonly base?: Btf;
}

/** Parses a BTF blob; every problem comes back as a BtfError naming the byte offset. */
export function parseBtf(bytes: Uint8Array, options: ParseOptions = {}): Btf | BtfError {
  const base = options.base ?? null;
  if (bytes.length < HEADER_BYTES) return new BtfError(0, `${bytes.length} bytes`, `is shorter than the ${HEADER_BYTES}-byte BTF header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint16(0, true);
  if (magic !== BTF_MAGIC) {
    const why = magic === 0x9feb ? 'is big-endian BTF, which is not supported' : 'is not the BTF magic 0xeb9f';
    return new BtfError(0, `0x${magic.toString(16)}`, why);
  }
  const version = bytes[2]!;
  if (version !== 1) return new BtfError(2, version, 'is not BTF version 1');
  const headerLength = view.getUint32(4, true);
  if (headerLength < HEADER_BYTES || headerLength > bytes.length) {
    return new BtfError(4, headerLength, `hdr_len must be at least ${HEADER_BYTES} and within the ${bytes.length}-byte blob`);
  }
  const typeOff = view.getUint32(8, true);
  const typeLen = view.getUint32(12, true);
  const strOff = view.getUint32(16, true);
  const strLen = view.getUint32(20, true);
  const typeStart = headerLength + typeOff;
  const strStart = headerLength + strOff;
  if (typeOff % 4 !== 0 || typeLen % 4 !== 0) return new BtfError(8, { typeOff, typeLen }, 'the type section is not 4-byte aligned');
  if (typeStart + typeLen > bytes.length) return new BtfError(12, typeLen, `the type section ends past the blob (${bytes.length} bytes)`);
  if (strStart + strLen > bytes.length) return new BtfError(20, strLen, `the string section ends past the blob (${bytes.length} bytes)`);
  if (typeStart < strStart + strLen && strStart < typeStart + typeLen) return new BtfError(16, strOff, 'the string section overlaps the type section');

  const strings = bytes.subarray(strStart, strStart + strLen);
  if (strLen === 0 && base === null) return new BtfError(20, 0, 'the string section is empty');
  if (strLen > 0 && strings[strLen - 1] !== 0) return new BtfError(strStart + strLen - 1, strings[strLen - 1], 'the string section does not end with a NUL');
  if (base === null && strings[0] !== 0) return new BtfError(strStart, strings[0], 'the string section does not start with the empty string');
  const baseStrings = base === null ? 0 : base.stringBytes;
  const allStrings = baseStrings + strLen;

  // Copy the type section into aligned words: records are whole u32s, and indexing a typed array
  // is several times faster than DataView reads. BTF is little-endian; swap on a big-endian host.
  const words = new Uint32Array(typeLen / 4);
  new Uint8Array(words.buffer).set(bytes.subarray(typeStart, typeStart + typeLen));
  if (endianness() === 'BE') {
    const dv = new DataView(words.buffer);
    for (let i = 0; i < words.length; i++) words[i] = dv.getUint32(i * 4, true);
  }

  const firstId = base === null ? 1 : base.typeCount;
  // Bounded by the section size, so a corrupt count cannot make us allocate more than the blob.
  const offsets = new Uint32Array(Math.floor(words.length / RECORD_WORDS));
  const walked = walkTypes(words, offsets, allStrings);
  if (typeof walked !== 'number') {
    const id = firstId + walked.index;
    return new BtfError(typeStart + walked.word * 4, walked.value, `type ${id}: ${walked.problem}`);
  }
  const count = walked;
  const typeCount = firstId + count;
  const refs = maxReference(words, offsets.subarray(0, count));
  if (refs.max >= typeCount) {
    return new BtfError(typeStart + refs.word * 4, refs.max, `refers to type ${refs.max}, but the last type id is ${typeCount - 1}`);
  }

  const layout: BtfLayout = {
    words,
    offsets: offsets.subarray(0, count),
    typeStart,
    strings,
    stringsStart: strStart,
    firstId,
    base,
  };
  return new Btf(layout);
}

interface WalkFailure {
  /** Index of the type in this BTF (id - firstId). */
  readonly index: number;
  /** Word index in the type section of the offending field. */
  readonly word: number;
  readonly value: unknown;
  readonly problem: string;
}

/**
 * Records where each type starts and checks each record: a known kind, a length within the
 * section, names within the string sections, INT/VAR/FUNC/DECL_TAG fields in range. Returns the
 * number of types. Kept apart from parseBtf, with failures built by `fail`, so that the loop is
 * a small function: V8 compiles it on the fly mid-walk (and again when a kind first appears late
 * in the section, as INT does in vmlinux), and a small function compiles in a few milliseconds.
 */
function walkTypes(words: Uint32Array, offsets: Uint32Array, allStrings: number): number | WalkFailure {
  let count = 0;
  let w = 0;
  const end = words.length;
  while (w < end) {
    if (w + RECORD_WORDS > end) return fail(count, w, end - w, 'the record is cut short by the end of the type section');
    const nameOff = words[w]!;
    const info = words[w + 1]!;
    const vlen = info & 0xffff;
    const kind = (info >>> 24) & 0x1f;
    if (nameOff >= allStrings && nameOff !== 0) return fail(count, w, nameOff, `name_off is beyond the string sections (${allStrings} bytes)`);
    let extra = 0;
    let stride = 0; // words per member/value/parameter whose first word is a name_off
    switch (kind) {
      case K_INT:
      case K_VAR:
      case K_DECL_TAG:
        extra = 1;
        break;
      case K_ARRAY:
        extra = 3;
        break;
      case K_STRUCT:
      case K_UNION:
      case K_ENUM64:
        extra = 3 * vlen;
        stride = 3;
        break;
      case K_ENUM:
      case K_FUNC_PROTO:
        extra = 2 * vlen;
        stride = 2;
        break;
      case K_DATASEC:
        extra = 3 * vlen;
        break;
      case K_FUNC:
        if (vlen > 2) return fail(count, w + 1, vlen, 'FUNC linkage is not static, global or extern');
        break;
      case K_PTR:
      case K_TYPEDEF:
      case K_VOLATILE:
      case K_CONST:
      case K_RESTRICT:
      case K_TYPE_TAG:
      case K_FWD:
      case K_FLOAT:
        break;
      default:
        return fail(count, w + 1, kind, 'unknown kind');
    }
    const next = w + RECORD_WORDS + extra;
    if (next > end) return fail(count, w, { kind: BTF_KINDS[kind], vlen }, `the record (${(RECORD_WORDS + extra) * 4} bytes) runs past the end of the type section`);
    for (let m = w + RECORD_WORDS; stride > 0 && m < next; m += stride) {
      if (words[m]! >= allStrings && words[m] !== 0) return fail(count, m, words[m], 'a member, enumerator or parameter name_off is beyond the string sections');
    }
    if (kind === K_INT) {
      const size = words[w + 2]!;
      const bits = words[w + 3]! & 0xff;
      const bitsOffset = (words[w + 3]! >>> 16) & 0xff;
      if (bits === 0 || bits > 128 || bitsOffset + bits > size * 8 || size > 16 || (size & (size - 1)) !== 0) {
        return fail(count, w, { size, bits, bitsOffset }, 'INT size or bit range is invalid');
      }
    } else if (kind === K_VAR && words[w + 3]! > 2) {
      return fail(count, w + 3, words[w + 3], 'VAR linkage is not static, global or extern');
    } else if (kind === K_DECL_TAG && (words[w + 3]! | 0) < -1) {
      return fail(count, w + 3, words[w + 3]! | 0, 'DECL_TAG component_idx is below -1');
    }
    offsets[count++] = w;
    w = next;
  }
  return count;
}

function fail(index: number, word: number, value: unknown, problem: string): WalkFailure {
  return { index, word, value, problem };
}

/** The largest type id any record refers to, and the word holding it; records are already checked. */
function maxReference(words: Uint32Array, offsets: Uint32Array): { max: number; word: number } {
  let max = 0;
  let word = 0;
  for (let i = 0; i < offsets.length; i++) {
    const w = offsets[i]!;
    const info = words[w + 1]!;
    const vlen = info & 0xffff;
    let first = 0; // first word holding a type id, its stride, and how many
    let stride = 0;
    let n = 0;
    switch ((info >>> 24) & 0x1f) {
      case K_PTR:
      case K_TYPEDEF:
      case K_VOLATILE:
      case K_CONST:
      case K_RESTRICT:
      case K_TYPE_TAG:
      case K_FUNC:
      case K_VAR:
      case K_DECL_TAG:
        first = w + 2;
        stride = 1;
        n = 1;
        break;
      case K_ARRAY:
        first = w + 3;
        stride = 1;
        n = 2;
        break;
      case K_STRUCT:
      case K_UNION:
        first = w + 4;
        stride = 3;
        n = vlen;
        break;
      case K_FUNC_PROTO:
        if (words[w + 2]! > max) {
          max = words[w + 2]!;
          word = w + 2;
        }
        first = w + 4;
        stride = 2;
        n = vlen;
        break;
      case K_DATASEC:
        first = w + 3;
        stride = 3;
        n = vlen;
        break;
    }
    for (let k = 0, at = first; k < n; k++, at += stride) {
      if (words[at]! > max) {
        max = words[at]!;
        word = at;
      }
    }
  }
  return { max, word };
}
