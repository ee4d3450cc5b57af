/**
 * What the program's BTF says lies at a byte offset of a type: the leaf field an 8-, 4-, 2- or
 * 1-byte access there reads, and the innermost struct, union or DATASEC that declares it. The
 * cast map is keyed by that innermost container, because that is the type the renderer is
 * drawing when it meets the field.
 */
import type { Btf } from '../btf/btf.js';
import { BtfError } from '../btf/btf-error.js';
import type { BtfType } from '../btf/kinds.js';
import type { FieldKey } from './state.js';

export interface FieldAt extends FieldKey {
  /** The leaf's declared type id (resolve it for its layout). */
  readonly type: number;
  readonly size: number;
}

/** The field that starts exactly at `offset` in `typeId`, or undefined (a gap, a bitfield, a union's overlapping members). */
export function fieldAt(btf: Btf, typeId: number, offset: number): FieldAt | undefined {
  let container = -1;
  let within = 0; // offset of the current type inside `container`
  let current = typeId;
  let rest = offset;
  for (let depth = 0; depth < 64; depth++) {
    const t = btf.resolve(current);
    if (t instanceof BtfError) return undefined;
    switch (t.kind) {
      case 'STRUCT':
      case 'UNION': {
        const covering = t.members.filter((m) => {
          if (m.bitfieldSize !== 0 || m.bitsOffset % 8 !== 0) return false;
          const size = btf.sizeOf(m.type);
          const at = m.bitsOffset / 8;
          return !(size instanceof BtfError) && at <= rest && rest < at + size;
        });
        // Two members over the same bytes (a union, or a zero-sized marker) make the field ambiguous.
        if (covering.length !== 1) return undefined;
        container = t.id;
        within = 0;
        const m = covering[0]!;
        within += m.bitsOffset / 8;
        rest -= m.bitsOffset / 8;
        current = m.type;
        break;
      }
      case 'DATASEC': {
        // clang leaves every offset 0 until libbpf or the static linker fixes them up, so
        // overlapping variables mean the offsets are not real yet: nothing can be said.
        const covering = t.vars.filter((x) => x.offset <= rest && rest < x.offset + x.size);
        if (covering.length !== 1) return undefined;
        const v = covering[0]!;
        container = t.id;
        within = v.offset;
        rest -= v.offset;
        current = v.type;
        break;
      }
      case 'VAR':
        current = t.type;
        break;
      case 'ARRAY': {
        const size = btf.sizeOf(t.type);
        if (size instanceof BtfError || size === 0) return undefined;
        const index = Math.floor(rest / size);
        if (t.nelems > 0 && index >= t.nelems) return undefined;
        within += index * size;
        rest -= index * size;
        current = t.type;
        break;
      }
      default: {
        if (rest !== 0 || container === -1) return undefined;
        const size = btf.sizeOf(t.id);
        if (size instanceof BtfError) return undefined;
        return { container, offset: within, type: current, size };
      }
    }
  }
  return undefined;
}

/** A u64-shaped field: an 8-byte integer (u64, s64, unsigned long, ...), where casts live. */
export function isU64(btf: Btf, typeId: number): boolean {
  const t = btf.resolve(typeId);
  return !(t instanceof BtfError) && t.kind === 'INT' && t.size === 8 && t.bitsOffset === 0 && t.bits === 64;
}

export interface Pointee {
  /** The pointed-to type, through modifiers, a FWD replaced by its definition when the BTF has one; 0 for void. */
  readonly type: number;
  /** Tagged `__arena` (a TYPE_TAG "arena" on the pointer or the pointee). */
  readonly arena: boolean;
}

/** What a pointer type points to, or undefined when `typeId` is not a pointer. */
export function pointee(btf: Btf, typeId: number): Pointee | undefined {
  let arena = false;
  let t: BtfType | BtfError = btf.type(typeId);
  for (let steps = 0; !(t instanceof BtfError) && t.kind !== 'PTR'; steps++) {
    if (steps > 32 || !('type' in t) || !['TYPEDEF', 'CONST', 'VOLATILE', 'RESTRICT', 'TYPE_TAG'].includes(t.kind)) return undefined;
    if (t.kind === 'TYPE_TAG' && t.name === 'arena') arena = true;
    t = btf.type(t.type);
  }
  if (t instanceof BtfError) return undefined;
  let target: BtfType | BtfError = btf.type(t.type);
  for (let steps = 0; !(target instanceof BtfError) && ['TYPEDEF', 'CONST', 'VOLATILE', 'RESTRICT', 'TYPE_TAG'].includes(target.kind); steps++) {
    if (steps > 32) return undefined;
    if (target.kind === 'TYPE_TAG' && target.name === 'arena') arena = true;
    target = btf.type((target as { type: number }).type);
  }
  if (target instanceof BtfError) return undefined;
  return { type: complete(btf, target.id), arena };
}

/** A FWD's definition in the same BTF when there is one (a map value may name `struct task_struct;` only). */
export function complete(btf: Btf, id: number): number {
  const t = btf.type(id);
  if (t instanceof BtfError || t.kind !== 'FWD') return id;
  const def = btf.find(t.name, t.fwdKind === 'union' ? 'UNION' : 'STRUCT')[0];
  return def ?? id;
}

/** Struct, union or forward declaration: a type a cast may point at. */
export function isRecord(btf: Btf, id: number): boolean {
  const k = btf.kind(id);
  return k === 'STRUCT' || k === 'UNION' || k === 'FWD';
}
