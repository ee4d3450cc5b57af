/**
 * The abstract state of one program point: what each register and each 8-byte stack slot is
 * known to hold. The domain is flat on purpose: a value is one precise fact or `unknown`, and the
 * join of two different facts is `unknown`, so a fact survives a branch join only when every
 * path agrees on it. That is what keeps the analysis from proving a cast one path contradicts.
 */

/** A u64 field of a map value: the innermost struct (or DATASEC) that holds it and its offset there. */
export interface FieldKey {
  readonly container: number;
  readonly offset: number;
}

export type Val =
  | { readonly k: 'unknown' }
  /** Not a pointer; `value` when the constant is known (a 0 store clears a pointer field, proving nothing). */
  | { readonly k: 'scalar'; readonly value?: bigint }
  | { readonly k: 'ctx' }
  /** The frame pointer plus `off`. */
  | { readonly k: 'stack'; readonly off: number }
  /** A map itself (`&map`), as map helpers take it. */
  | { readonly k: 'map'; readonly map: string }
  /** A BTF-typed pointer to `type` plus `off` bytes; `map` when it points into that map's value. */
  | { readonly k: 'ptr'; readonly type: number; readonly off: number; readonly map?: string }
  /** An arena pointer (address space 1); `type` the pointee when known, else 0. */
  | { readonly k: 'arena'; readonly type: number }
  /** The 8 bytes read from a u64 field of a map value, plus `add` (pointer arithmetic on it). */
  | { readonly k: 'loaded'; readonly src: FieldKey; readonly add: number };

export const UNKNOWN: Val = { k: 'unknown' };
export const SCALAR: Val = { k: 'scalar' };

export function sameVal(a: Val, b: Val): boolean {
  if (a.k !== b.k) return false;
  switch (a.k) {
    case 'unknown':
    case 'ctx':
      return true;
    case 'scalar':
      return a.value === (b as typeof a).value;
    case 'stack':
      return a.off === (b as typeof a).off;
    case 'map':
      return a.map === (b as typeof a).map;
    case 'ptr': {
      const o = b as typeof a;
      return a.type === o.type && a.off === o.off && a.map === o.map;
    }
    case 'arena':
      return a.type === (b as typeof a).type;
    case 'loaded': {
      const o = b as typeof a;
      return a.src.container === o.src.container && a.src.offset === o.src.offset && a.add === o.add;
    }
  }
}

/** Agreeing facts stay; two scalars stay a scalar (of no known value); anything else is unknown. */
export function joinVal(a: Val, b: Val): Val {
  if (sameVal(a, b)) return a;
  if (a.k === 'scalar' && b.k === 'scalar') return SCALAR;
  return UNKNOWN;
}

export class State {
  /** r0..r10. */
  readonly regs: Val[];
  /** Frame-pointer offset of an 8-byte aligned slot -> what was spilled there. */
  readonly slots: Map<number, Val>;

  constructor(regs: Val[], slots: Map<number, Val>) {
    this.regs = regs;
    this.slots = slots;
  }

  static entry(ctx: boolean): State {
    const regs: Val[] = Array.from({ length: 11 }, () => UNKNOWN);
    if (ctx) regs[1] = { k: 'ctx' };
    regs[10] = { k: 'stack', off: 0 };
    return new State(regs, new Map());
  }

  clone(): State {
    return new State([...this.regs], new Map(this.slots));
  }

  /** The join, or undefined when it equals `this` (nothing new for the worklist). */
  joinWith(other: State): State | undefined {
    let changed = false;
    const regs = this.regs.map((v, r) => {
      const j = joinVal(v, other.regs[r]!);
      if (!sameVal(j, v)) changed = true;
      return j;
    });
    const slots = new Map<number, Val>();
    for (const [off, v] of this.slots) {
      const o = other.slots.get(off);
      if (o === undefined) {
        changed = true;
        continue;
      }
      const j = joinVal(v, o);
      if (!sameVal(j, v)) changed = true;
      if (j.k !== 'unknown') slots.set(off, j);
    }
    return changed ? new State(regs, slots) : undefined;
  }

  /** Forgets every slot a write of `size` bytes at `off` touches. */
  clobber(off: number, size: number): void {
    for (const slot of [...this.slots.keys()]) if (off < slot + 8 && slot < off + size) this.slots.delete(slot);
  }
}
