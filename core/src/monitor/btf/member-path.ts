/**
 * Finds a member by path in a struct or union — `nr_running`, `scx.nr_running`,
 * `cpus[2].util` — the way C names it: members of anonymous structs and unions are reached as if
 * they were the parent's, and offsets add up along the way. Typedefs and modifiers are looked
 * through at every step. A pointer ends the path: following it needs a memory read, which is the
 * monitor's Object's job, not the type system's.
 *
 * An absent member is an answer ({ found: false, why }) and never an offset of 0, so a kernel
 * without a field cannot be silently read at the start of the struct.
 */
import { Btf } from './btf.js';
import { BtfError } from './btf-error.js';
import type { Absent, BtfComposite, BtfType } from './kinds.js';

export interface MemberFound {
  readonly found: true;
  /** Offset from the start of the outer type, in bits. */
  readonly offsetBits: number;
  /** Width in bits: the bitfield width for a bitfield, else the member type's size x 8. */
  readonly bitSize: number;
  readonly bitfield: boolean;
  /** The member's declared type id (typedefs not resolved; use btf.resolve). */
  readonly type: number;
}

export type MemberLookup = MemberFound | Absent;

/** One step of a path: a member name, or an array index. */
type Step = { readonly member: string } | { readonly index: number };

/**
 * Looks `path` up in the type `typeId` (typedefs and modifiers are followed). Returns a BtfError
 * only for corrupt BTF (a type that contains itself); a malformed path or missing member is Absent.
 */
export function memberPath(btf: Btf, typeId: number, path: string): MemberLookup | BtfError {
  const steps = parsePath(path);
  if (!Array.isArray(steps)) return steps as Absent;
  let offsetBits = 0;
  let current = typeId;
  let bitfield = 0;
  const start = btf.type(typeId);
  if (start instanceof BtfError) return start;
  let walked = describe(btf, typeId);
  for (const step of steps) {
    if (bitfield > 0) return { found: false, why: `${walked} is a bitfield; it has no members` };
    const outer = btf.resolve(current);
    if (outer instanceof BtfError) return outer;
    if ('index' in step) {
      if (outer.kind !== 'ARRAY') return { found: false, why: `${walked} is not an array (${outer.kind})` };
      // nelems 0 is a flexible array member: any index is allowed, as in C.
      if (outer.nelems > 0 && step.index >= outer.nelems) return { found: false, why: `index ${step.index} is beyond ${walked} (${outer.nelems} elements)` };
      const elementSize = btf.sizeOf(outer.type);
      if (elementSize instanceof BtfError) return elementSize;
      offsetBits += step.index * elementSize * 8;
      if (!Number.isSafeInteger(offsetBits)) return { found: false, why: `index ${step.index} of ${walked} is too large for an offset` };
      current = outer.type;
      walked = `${walked}[${step.index}]`;
      continue;
    }
    if (outer.kind !== 'STRUCT' && outer.kind !== 'UNION') {
      const why = outer.kind === 'PTR' ? 'a pointer; follow it with a memory read first' : `not a struct or union (${outer.kind})`;
      return { found: false, why: `no member ${step.member} in ${walked}: it is ${why}` };
    }
    const hit = findMember(btf, outer, step.member, 0, new Set());
    if (hit instanceof BtfError) return hit;
    if (hit === undefined) {
      const struct = describe(btf, outer.id);
      return { found: false, why: `no member ${step.member} in ${struct}${walked === struct ? '' : ` (${walked})`}` };
    }
    offsetBits += hit.offsetBits;
    bitfield = hit.bitfieldSize;
    current = hit.type;
    walked = `${walked}.${step.member}`;
  }
  let bitSize = bitfield;
  if (bitfield === 0) {
    const size = btf.sizeOf(current);
    if (size instanceof BtfError) {
      // A flexible or zero-length array, or a function pointer target, has no size of its own.
      const t = btf.resolve(current);
      if (t instanceof BtfError || t.kind !== 'ARRAY') return size;
      bitSize = 0;
    } else {
      bitSize = size * 8;
    }
  }
  return { found: true, offsetBits, bitSize, bitfield: bitfield > 0, type: current };
}

interface Hit {
  offsetBits: number;
  bitfieldSize: number;
  type: number;
}

/** Depth-first through anonymous members; `seen` stops a struct that contains itself. */
function findMember(btf: Btf, outer: BtfComposite, name: string, base: number, seen: Set<number>): Hit | undefined | BtfError {
  if (seen.has(outer.id)) return new BtfError(btf.recordOffset(outer.id), outer.id, `type ${outer.id}: an anonymous member contains its own struct`);
  seen.add(outer.id);
  for (const m of outer.members) {
    if (m.name === name) return { offsetBits: base + m.bitsOffset, bitfieldSize: m.bitfieldSize, type: m.type };
  }
  for (const m of outer.members) {
    if (m.name !== '') continue;
    const inner: BtfType | BtfError = btf.resolve(m.type);
    if (inner instanceof BtfError) return inner;
    if (inner.kind !== 'STRUCT' && inner.kind !== 'UNION') continue;
    const hit = findMember(btf, inner, name, base + m.bitsOffset, seen);
    if (hit !== undefined) return hit;
  }
  seen.delete(outer.id);
  return undefined;
}

function describe(btf: Btf, id: number): string {
  const t = btf.resolve(id);
  if (t instanceof BtfError) return `type ${id}`;
  if (t.kind === 'STRUCT' || t.kind === 'UNION') return `${t.kind.toLowerCase()} ${t.name || '(anon)'}`;
  return t.name || `${t.kind.toLowerCase()} type ${id}`;
}

function parsePath(path: string): Step[] | Absent {
  const steps: Step[] = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\./gy;
  let expectName = true;
  let last = 0;
  for (let m = re.exec(path); m !== null && m.index === last; m = re.exec(path)) {
    last = re.lastIndex;
    if (m[1] !== undefined) {
      if (!expectName) break;
      steps.push({ member: m[1] });
      expectName = false;
    } else if (m[2] !== undefined) {
      if (expectName) break;
      steps.push({ index: Number(m[2]) });
    } else {
      if (expectName) break;
      expectName = true;
    }
  }
  if (last !== path.length || expectName || steps.length === 0) return { found: false, why: `'${path}' is not a member path like 'a.b[2].c'` };
  return steps;
}

export interface MemberBytes {
  readonly found: true;
  /** Byte offset from the start of the struct. */
  readonly offset: number;
  /** Size in bytes (0 for a flexible array). */
  readonly size: number;
  readonly type: number;
}

/**
 * The byte offset and size of `path` in the struct or union named `struct` — what an offsets
 * table for a memory walker wants (`memberBytes(btf, 'rq', 'scx.nr_running')`). A bitfield has no
 * byte offset and is Absent with that reason; read it with memberPath's bit offset instead.
 */
export function memberBytes(btf: Btf, struct: string, path: string): MemberBytes | Absent | BtfError {
  const outer = btf.lookup(struct, 'STRUCT');
  const t = outer.found ? outer : btf.lookup(struct, 'UNION');
  if (!t.found) return { found: false, why: `no struct or union named '${struct}' in the BTF` };
  const hit = memberPath(btf, t.type.id, path);
  if (hit instanceof BtfError || !hit.found) return hit;
  if (hit.bitfield || hit.offsetBits % 8 !== 0) return { found: false, why: `${struct}.${path} is a bitfield (bit ${hit.offsetBits}, ${hit.bitSize} bits); it has no byte offset` };
  return { found: true, offset: hit.offsetBits / 8, size: hit.bitSize / 8, type: hit.type };
}
