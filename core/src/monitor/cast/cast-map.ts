/**
 * Claims from every function folded into casts: a field gets a cast only when every claim about
 * it names the same target. Two targets (a task_struct * stored here, a cgroup * there), or any
 * claim that the field is a plain number, leave it uncast and on the conflict list: a missed
 * cast renders as the integer the BTF declares; a wrong one would render a lie.
 */
import type { Btf } from '../btf/btf.js';
import { BtfError } from '../btf/btf-error.js';
import type { Claim } from './interpret.js';

export interface CastEvidence {
  /** The function whose instruction proves it. */
  readonly prog: string;
  /** Slot index in that function. */
  readonly insn: number;
}

export interface CastTarget {
  /** 'kernel': a kernel object (cast→kernel); 'arena': a pointer into the BPF arena (cast→arena). */
  readonly kind: 'kernel' | 'arena';
  /** The pointee's id in the program's BTF; 0 for an arena pointer of unknown type. */
  readonly target: number;
  /** The pointee's name ('task_struct'), to find it in another BTF (the running kernel's); '' when unknown. */
  readonly targetName: string;
  /** The struct (or DATASEC) holding the field, and the field's byte offset in it. */
  readonly struct: number;
  readonly offset: number;
  readonly evidence: readonly CastEvidence[];
}

/** By `${structName}+${offset}` (an anonymous struct is `(anon #id)`). */
export type CastMap = Map<string, CastTarget>;

export interface CastConflict {
  readonly key: string;
  readonly claims: readonly Claim[];
}

export function structKey(btf: Btf, struct: number, offset: number): string {
  const name = btf.name(struct);
  return `${name instanceof BtfError || name === '' ? `(anon #${struct})` : name}+${offset}`;
}

export function foldClaims(btf: Btf, claims: readonly Claim[]): { casts: CastMap; conflicts: CastConflict[] } {
  const byField = new Map<string, Claim[]>();
  for (const c of claims) {
    const key = `${c.field.container}:${c.field.offset}`;
    let list = byField.get(key);
    if (list === undefined) byField.set(key, (list = []));
    list.push(c);
  }
  const casts: CastMap = new Map();
  const conflicts: CastConflict[] = [];
  for (const list of byField.values()) {
    const { container, offset } = list[0]!.field;
    const key = structKey(btf, container, offset);
    // An arena pointer of unknown pointee (an addr_space_cast, bpf_arena_alloc_pages) agrees
    // with any arena claim that knows the pointee; every other pair of targets must be equal.
    const kinds = new Set(list.map((c) => c.target.kind));
    const typed = new Set(list.flatMap((c) => (c.target.kind === 'scalar' || (c.target.kind === 'arena' && c.target.type === 0) ? [] : [c.target.type])));
    const only = [...kinds][0];
    if (kinds.size !== 1 || only === 'scalar' || typed.size > 1 || (only === 'kernel' && typed.size !== 1)) {
      conflicts.push({ key, claims: list });
      continue;
    }
    const first = { kind: only as 'kernel' | 'arena', type: [...typed][0] ?? 0 };
    const name = first.type === 0 ? '' : btf.name(first.type);
    casts.set(key, {
      kind: first.kind,
      target: first.type,
      targetName: name instanceof BtfError ? '' : name,
      struct: container,
      offset,
      evidence: list.map((c) => ({ prog: c.prog, insn: c.insn })),
    });
  }
  return { casts, conflicts };
}
