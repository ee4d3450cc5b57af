/**
 * A value the host writes into a map, as the bytes of its BTF type: integers, bools, enums (by
 * name or number), pointers and char arrays (a string, NUL-padded). Composite values are written
 * field by field by naming the field, so only scalars are encoded here; anything else is refused
 * with the type it met.
 */
import type { Btf } from '../btf/btf.js';
import { BtfError } from '../btf/btf-error.js';

export type WritableValue = number | bigint | boolean | string;

/** The bytes of `value` as BTF type `typeId`, or an Error saying why it cannot be written. */
export function encodeValue(btf: Btf, typeId: number, value: WritableValue, what: string): Buffer | Error {
  const t = btf.resolve(typeId);
  if (t instanceof BtfError) return t;
  if (t.kind === 'ARRAY' && typeof value === 'string') {
    const elem = btf.resolve(t.type);
    if (!(elem instanceof BtfError) && elem.kind === 'INT' && elem.size === 1) {
      const b = Buffer.alloc(t.nelems);
      const s = Buffer.from(value, 'latin1');
      if (s.length >= t.nelems) return new Error(`${what}: '${value}' does not fit in char[${t.nelems}] with its NUL; write at most ${t.nelems - 1} characters`);
      s.copy(b);
      return b;
    }
  }
  let size: number;
  let signed = false;
  let n: bigint;
  if (t.kind === 'INT' || t.kind === 'PTR' || t.kind === 'ENUM' || t.kind === 'ENUM64') {
    size = t.kind === 'PTR' ? 8 : t.size;
    signed = t.kind !== 'PTR' && t.signed;
    if (t.kind === 'INT' && t.bits !== t.size * 8) return new Error(`${what}: a ${t.bits}-bit integer is not written byte-wise; write the bytes around it`);
    if (typeof value === 'string') {
      const hit = t.kind === 'ENUM' || t.kind === 'ENUM64' ? t.values.find((e) => e.name === value) : undefined;
      if (!hit) return new Error(`${what}: '${value}' is not a value of ${t.kind} '${t.name}'; give a number${t.kind.startsWith('ENUM') ? ' or one of its names' : ''}`);
      n = BigInt(hit.value);
    } else if (typeof value === 'boolean') {
      n = value ? 1n : 0n;
    } else if (typeof value === 'number') {
      if (!Number.isInteger(value)) return new Error(`${what}: ${value} is not an integer; ${t.kind} '${t.name}' holds integers`);
      n = BigInt(value);
    } else {
      n = value;
    }
  } else {
    return new Error(`${what}: ${t.kind} '${t.name}' is not a scalar; write one of its fields (e.g. '${what}.field') instead`);
  }
  const bits = BigInt(size * 8);
  const fits = signed ? n >= -(1n << (bits - 1n)) && n < 1n << (bits - 1n) : n >= 0n && n < 1n << bits;
  if (!fits) return new Error(`${what}: ${n} does not fit in ${signed ? 'a signed' : 'an unsigned'} ${size * 8}-bit '${t.name}'`);
  const b = Buffer.alloc(size);
  let u = BigInt.asUintN(Number(bits), n);
  for (let i = 0; i < size; i++, u >>= 8n) b[i] = Number(u & 0xffn);
  return b;
}
