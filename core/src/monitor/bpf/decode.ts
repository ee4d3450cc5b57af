/**
 * Bytes of a BPF map value turned into typed fields by the map's BTF: integers (u64 as bigint,
 * so a counter never loses precision), bools, enums by name, pointers as addresses, char
 * arrays as strings, structs and unions as records, and a DATASEC (the value of a `.bss`,
 * `.data` or `.rodata` map) as a record of its variables by name.
 */
import type { Btf } from '../btf/btf.js';
import { BtfError } from '../btf/btf-error.js';
import type { BtfType } from '../btf/kinds.js';
import { Unavailable } from '../unavailable.js';

export type BpfValue = number | bigint | boolean | string | null | Unavailable | readonly BpfValue[] | { readonly [field: string]: BpfValue };

/** Arrays longer than this are cut, with the cut said in the last element, so one huge buffer does not swamp a snapshot. */
export const MAX_ARRAY_ELEMENTS = 4096;

export interface DecodeOptions {
  /**
   * Asked for every u64 member of a struct or DATASEC with the id of that (resolved) struct, the
   * member's byte offset in it and its value; what it returns replaces the integer. The cast
   * renderer (cast-render.ts) answers for the fields the cast analysis proved to hold pointers.
   */
  readonly castField?: (container: number, offset: number, raw: bigint) => BpfValue | undefined;
  /**
   * How many levels of named struct/union members are expanded below this value (0: this
   * struct's own members, with nested structs left out); deeper ones read as Unavailable. Unlimited when absent: a map value is bounded by its own size, but a
   * chased kernel object (a task_struct) is not worth drawing whole.
   */
  readonly depth?: number;
}

/** Decodes `bytes` (at least the type's size) as BTF type `typeId`. */
export function decodeValue(btf: Btf, typeId: number, bytes: Buffer, options: DecodeOptions = {}): BpfValue {
  const t = btf.resolve(typeId);
  if (t instanceof BtfError) return new Unavailable(`BTF type ${typeId}: ${t.message}`);
  const size = sizeOf(btf, t);
  if (size !== undefined && bytes.length < size) return new Unavailable(`${describe(t)} needs ${size} bytes, ${bytes.length} read`);
  switch (t.kind) {
    case 'INT':
      if (t.bitsOffset !== 0 || t.bits !== t.size * 8) return readBits(bytes, t.bitsOffset, t.bits, t.signed);
      if (t.bool) return bytes[0] !== 0;
      return readInt(bytes, 0, t.size, t.signed);
    case 'ENUM':
    case 'ENUM64': {
      const v = readInt(bytes, 0, t.size, t.signed);
      const hit = t.values.find((e) => BigInt(e.value) === BigInt(v));
      return hit ? hit.name : v;
    }
    case 'PTR':
      return bytes.readBigUInt64LE(0);
    case 'FLOAT':
      return t.size === 4 ? bytes.readFloatLE(0) : t.size === 8 ? bytes.readDoubleLE(0) : new Unavailable(`float of ${t.size} bytes`);
    case 'ARRAY': {
      const elem = btf.resolve(t.type);
      if (elem instanceof BtfError) return new Unavailable(elem.message);
      const elemSize = btf.sizeOf(t.type);
      if (elemSize instanceof BtfError) return new Unavailable(elemSize.message);
      if (elem.kind === 'INT' && elem.size === 1 && (elem.char || elem.name === 'char')) {
        const raw = bytes.subarray(0, t.nelems);
        const nul = raw.indexOf(0);
        return raw.subarray(0, nul === -1 ? raw.length : nul).toString('latin1');
      }
      const n = Math.min(t.nelems, MAX_ARRAY_ELEMENTS);
      const out: BpfValue[] = [];
      for (let i = 0; i < n; i++) out.push(decodeValue(btf, t.type, bytes.subarray(i * elemSize, (i + 1) * elemSize), options));
      if (n < t.nelems) out.push(new Unavailable(`${t.nelems - n} more elements not decoded (limit ${MAX_ARRAY_ELEMENTS})`));
      return out;
    }
    case 'STRUCT':
    case 'UNION': {
      if (options.depth !== undefined && options.depth < 0) return new Unavailable(`${describe(t)}: not expanded (depth limit)`);
      const out: Record<string, BpfValue> = {};
      const inner = options.depth === undefined ? options : { ...options, depth: options.depth - 1 };
      for (const m of t.members) {
        const cast = options.castField !== undefined && !m.bitfieldSize && m.bitsOffset % 8 === 0 && isU64(btf, m.type)
          ? options.castField(t.id, m.bitsOffset / 8, bytes.readBigUInt64LE(m.bitsOffset / 8))
          : undefined;
        const v = cast !== undefined ? cast : m.bitfieldSize
          ? readBits(bytes, m.bitsOffset, m.bitfieldSize, isSigned(btf, m.type))
          // An anonymous member is part of its parent, so it costs no depth.
          : decodeValue(btf, m.type, bytes.subarray(m.bitsOffset / 8), m.name === '' ? options : inner);
        // Anonymous members' fields are reached as the parent's, as in C.
        if (m.name === '' && v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Unavailable)) Object.assign(out, v);
        else out[m.name] = v;
      }
      return out;
    }
    case 'DATASEC': {
      const out: Record<string, BpfValue> = {};
      for (const v of t.vars) {
        const vt = btf.type(v.type);
        if (vt instanceof BtfError || vt.kind !== 'VAR') continue;
        const cast = options.castField !== undefined && v.size === 8 && isU64(btf, vt.type)
          ? options.castField(t.id, v.offset, bytes.readBigUInt64LE(v.offset))
          : undefined;
        out[vt.name] = cast !== undefined ? cast : decodeValue(btf, vt.type, bytes.subarray(v.offset, v.offset + v.size), options);
      }
      return out;
    }
    case 'VAR':
      return decodeValue(btf, t.type, bytes, options);
    case 'VOID':
      return null;
    default:
      return new Unavailable(`${describe(t)} has no value to decode`);
  }
}

function sizeOf(btf: Btf, t: BtfType): number | undefined {
  if (t.kind === 'DATASEC' || t.kind === 'VOID' || t.kind === 'VAR') return undefined;
  const s = btf.sizeOf(t.id);
  return s instanceof BtfError ? undefined : s;
}

function describe(t: BtfType): string {
  return `${t.kind} ${t.name === '' ? '(anon)' : `'${t.name}'`} (id ${t.id})`;
}

function isU64(btf: Btf, id: number): boolean {
  const t = btf.resolve(id);
  return !(t instanceof BtfError) && t.kind === 'INT' && t.size === 8 && t.bitsOffset === 0 && t.bits === 64;
}

function isSigned(btf: Btf, id: number): boolean {
  const t = btf.resolve(id);
  return !(t instanceof BtfError) && (t.kind === 'INT' || t.kind === 'ENUM' || t.kind === 'ENUM64') && t.signed;
}

/** A little-endian integer: a number up to 32 bits, a bigint above (u64 counters stay exact). */
export function readInt(bytes: Buffer, offset: number, size: number, signed: boolean): number | bigint {
  switch (size) {
    case 1: return signed ? bytes.readInt8(offset) : bytes.readUInt8(offset);
    case 2: return signed ? bytes.readInt16LE(offset) : bytes.readUInt16LE(offset);
    case 4: return signed ? bytes.readInt32LE(offset) : bytes.readUInt32LE(offset);
    case 8: return signed ? bytes.readBigInt64LE(offset) : bytes.readBigUInt64LE(offset);
    default: {
      let v = 0n;
      for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i]!);
      return signed ? BigInt.asIntN(size * 8, v) : v;
    }
  }
}

/** A bitfield: `bits` bits from bit `bitOffset` (little-endian bit order, as x86 and BPF lay them out). */
function readBits(bytes: Buffer, bitOffset: number, bits: number, signed: boolean): number | bigint {
  const first = Math.floor(bitOffset / 8);
  const last = Math.floor((bitOffset + bits - 1) / 8);
  let v = 0n;
  for (let i = last; i >= first; i--) v = (v << 8n) | BigInt(bytes[i] ?? 0);
  v = (v >> BigInt(bitOffset - first * 8)) & ((1n << BigInt(bits)) - 1n);
  if (signed) v = BigInt.asIntN(bits, v);
  return bits <= 32 ? Number(v) : v;
}
