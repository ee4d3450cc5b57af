/**
 * Abstract interpretation of one BPF function for the cast analysis: a worklist over its basic
 * blocks computes, for each block, what every register and spilled stack slot holds on entry
 * (joined over all paths that reach it, keeping only facts every path agrees on). A second pass
 * walks each block once more from that fixed point and records claims: what the program's own
 * instructions prove about a u64 field of a map value.
 *
 *  - a field is read and the value, unchanged, goes where a typed pointer must go (a kfunc or
 *    helper argument declared `struct task_struct *`, a BTF pointer field, an addr_space_cast):
 *    the field holds that pointer;
 *  - a register known to hold a typed pointer (or an arena pointer) is stored into the field:
 *    the field holds that pointer;
 *  - a non-zero scalar is stored, or the field is updated arithmetically: the field is not a
 *    pointer. This claim never makes a cast; it only vetoes one.
 *
 * Claims are gathered only after the fixed point, so a state seen on the way to it (more precise
 * than the truth) never proves anything.
 */
import type { Btf } from '../btf/btf.js';
import { BtfError } from '../btf/btf-error.js';
import { basicBlocks } from './cfg.js';
import { fieldAt, isRecord, isU64, pointee, complete } from './fields.js';
import { ARENA_ALLOC_KFUNCS, HELPERS } from './helpers.js';
import {
  ADDR_SPACE_CAST,
  ALU_OP,
  ATOMIC_CMPXCHG,
  ATOMIC_XCHG,
  CLASS,
  type Insn,
  JMP_OP,
  MODE,
  PSEUDO_CALL,
  PSEUDO_MAP_FD,
  PSEUDO_MAP_IDX,
  PSEUDO_MAP_IDX_VALUE,
  PSEUDO_MAP_VALUE,
  SRC_X,
  insnClass,
  insnMode,
  insnOp,
  insnSize,
  isLdImm64,
} from './insn.js';
import type { MapDecl, ProgramCode } from './program.js';
import { type FieldKey, SCALAR, State, UNKNOWN, type Val } from './state.js';

export type ClaimTarget = { readonly kind: 'kernel' | 'arena'; readonly type: number } | { readonly kind: 'scalar' };

export interface Claim {
  readonly field: FieldKey;
  readonly target: ClaimTarget;
  readonly prog: string;
  /** Slot index of the instruction in its function. */
  readonly insn: number;
}

export interface ProgramResult {
  readonly claims: readonly Claim[];
  /** False when the fixed point was not reached in the visit budget; the claims are then empty. */
  readonly converged: boolean;
}

export interface AnalysisContext {
  readonly btf: Btf;
  readonly maps: ReadonlyMap<string, MapDecl>;
  /** Maps by index, for ld_imm64 with src_reg PSEUDO_MAP_IDX(_VALUE) and no relocation. */
  readonly mapsByIndex?: readonly MapDecl[];
}

/** How often one block may be re-entered before the function is given up on; the flat domain settles far sooner. */
export const MAX_VISITS_PER_BLOCK = 64;

export function interpretProgram(prog: ProgramCode, cx: AnalysisContext): ProgramResult {
  const insns = prog.insns;
  if (insns.length === 0) return { claims: [], converged: true };
  const blocks = basicBlocks(insns);
  const entry: (State | undefined)[] = new Array(blocks.length);
  entry[0] = State.entry(true);
  const visits = new Array<number>(blocks.length).fill(0);
  const work = [0];
  const queued = new Set([0]);
  const walker = new Walker(prog, cx, null);
  while (work.length > 0) {
    const id = work.shift()!;
    queued.delete(id);
    if (++visits[id]! > MAX_VISITS_PER_BLOCK) return { claims: [], converged: false };
    const block = blocks[id]!;
    const state = entry[id]!.clone();
    for (let at = block.start; at <= block.end; at++) walker.step(state, insns[at]!);
    for (const succ of block.succs) {
      const before = entry[succ];
      const next = before === undefined ? state.clone() : before.joinWith(state);
      if (next === undefined) continue;
      entry[succ] = next;
      if (!queued.has(succ)) {
        queued.add(succ);
        work.push(succ);
      }
    }
  }
  const claims: Claim[] = [];
  const recorder = new Walker(prog, cx, claims);
  blocks.forEach((block, id) => {
    const start = entry[id];
    if (start === undefined) return; // unreachable
    const state = start.clone();
    for (let at = block.start; at <= block.end; at++) recorder.step(state, insns[at]!);
  });
  return { claims, converged: true };
}

/** The transfer function: one instruction's effect on a state, recording claims when asked to. */
class Walker {
  readonly #prog: ProgramCode;
  readonly #cx: AnalysisContext;
  readonly #claims: Claim[] | null;
  readonly #structIds = new Map<string, number | undefined>();

  constructor(prog: ProgramCode, cx: AnalysisContext, claims: Claim[] | null) {
    this.#prog = prog;
    this.#cx = cx;
    this.#claims = claims;
  }

  step(s: State, i: Insn): void {
    switch (insnClass(i)) {
      case CLASS.ALU64:
      case CLASS.ALU:
        return this.#alu(s, i);
      case CLASS.LD:
        if (isLdImm64(i)) s.regs[i.dst] = this.#ldImm64(i);
        else s.regs[0] = SCALAR; // legacy packet loads
        return;
      case CLASS.LDX:
        s.regs[i.dst] = this.#load(s, i);
        return;
      case CLASS.ST:
        return this.#store(s, i, { k: 'scalar', value: BigInt(i.imm) });
      case CLASS.STX:
        if (insnMode(i) === MODE.ATOMIC) return this.#atomic(s, i);
        return this.#store(s, i, s.regs[i.src]!);
      case CLASS.JMP:
      case CLASS.JMP32:
        if (insnOp(i) === JMP_OP.CALL) this.#call(s, i);
        return;
    }
  }

  #claim(field: FieldKey, target: ClaimTarget, i: Insn): void {
    this.#claims?.push({ field, target, prog: this.#prog.name, insn: i.index });
  }

  #struct(name: string): number | undefined {
    if (!this.#structIds.has(name)) {
      const ids = this.#cx.btf.find(name, 'STRUCT');
      this.#structIds.set(name, ids[0]);
    }
    return this.#structIds.get(name);
  }

  #mapValue(map: string, offset: number): Val {
    const decl = this.#cx.maps.get(map);
    return decl === undefined ? UNKNOWN : { k: 'ptr', type: decl.valueType, off: offset, map };
  }

  #ldImm64(i: Insn): Val {
    const ref = this.#prog.refs.get(i.index);
    if (ref?.kind === 'map') return { k: 'map', map: ref.map };
    if (ref?.kind === 'mapValue') return this.#mapValue(ref.map, ref.offset);
    const byIndex = (n: number): MapDecl | undefined => this.#cx.mapsByIndex?.[n];
    const hi = Number((i.imm64 ?? 0n) >> 32n);
    switch (i.src) {
      case PSEUDO_MAP_FD:
      case PSEUDO_MAP_IDX: {
        const m = byIndex(i.imm);
        return m ? { k: 'map', map: m.name } : UNKNOWN;
      }
      case PSEUDO_MAP_VALUE:
      case PSEUDO_MAP_IDX_VALUE: {
        const m = byIndex(i.imm);
        return m ? this.#mapValue(m.name, hi) : UNKNOWN;
      }
      case 0:
        return ref === undefined ? { k: 'scalar', value: BigInt.asUintN(64, i.imm64 ?? 0n) } : UNKNOWN;
      default:
        return UNKNOWN;
    }
  }

  #alu(s: State, i: Insn): void {
    const op = insnOp(i);
    const wide = insnClass(i) === CLASS.ALU64;
    const dst = s.regs[i.dst]!;
    const srcVal: Val = (i.code & SRC_X) !== 0 ? s.regs[i.src]! : { k: 'scalar', value: BigInt(i.imm) };
    if (op === ALU_OP.MOV) {
      if (wide && (i.code & SRC_X) !== 0 && i.off === ADDR_SPACE_CAST) {
        s.regs[i.dst] = this.#addrSpaceCast(s.regs[i.src]!, i);
        return;
      }
      if (!wide) {
        s.regs[i.dst] = srcVal.k === 'scalar' && srcVal.value !== undefined ? { k: 'scalar', value: BigInt.asUintN(32, srcVal.value) } : SCALAR;
        return;
      }
      // movsx (off 8/16/32) sign-extends a narrow value: never a pointer.
      s.regs[i.dst] = i.off !== 0 ? SCALAR : srcVal;
      return;
    }
    // 32-bit arithmetic cannot leave a kernel pointer in the register.
    if (!wide) {
      s.regs[i.dst] = SCALAR;
      return;
    }
    if ((op === ALU_OP.ADD || op === ALU_OP.SUB) && srcVal.k === 'scalar' && srcVal.value !== undefined) {
      const delta = Number(BigInt.asIntN(64, srcVal.value)) * (op === ALU_OP.SUB ? -1 : 1);
      if (dst.k === 'ptr') s.regs[i.dst] = { ...dst, off: dst.off + delta };
      else if (dst.k === 'stack') s.regs[i.dst] = { k: 'stack', off: dst.off + delta };
      else if (dst.k === 'loaded') s.regs[i.dst] = { ...dst, add: dst.add + delta };
      else if (dst.k === 'scalar') s.regs[i.dst] = dst.value === undefined ? SCALAR : { k: 'scalar', value: BigInt.asUintN(64, dst.value + BigInt(delta)) };
      else s.regs[i.dst] = UNKNOWN;
      return;
    }
    if (dst.k === 'scalar' && srcVal.k === 'scalar') {
      s.regs[i.dst] = SCALAR;
      return;
    }
    // A loaded field used in arithmetic other than a constant offset is a number, not a pointer.
    if (dst.k === 'loaded' && (op !== ALU_OP.ADD && op !== ALU_OP.SUB) && srcVal.k === 'scalar') {
      s.regs[i.dst] = SCALAR;
      return;
    }
    s.regs[i.dst] = UNKNOWN;
  }

  #addrSpaceCast(v: Val, i: Insn): Val {
    if (v.k === 'loaded' && v.add === 0) this.#claim(v.src, { kind: 'arena', type: 0 }, i);
    if (v.k === 'arena') return v;
    return v.k === 'loaded' || v.k === 'unknown' ? { k: 'arena', type: 0 } : UNKNOWN;
  }

  /** What an LDX reads. */
  #load(s: State, i: Insn): Val {
    const base = s.regs[i.src]!;
    const size = insnSize(i);
    const signExt = insnMode(i) === MODE.MEMSX;
    if (base.k === 'stack') {
      const off = base.off + i.off;
      if (size !== 8 || off % 8 !== 0) return SCALAR;
      return s.slots.get(off) ?? UNKNOWN;
    }
    if (base.k === 'ctx') {
      if (size !== 8 || i.off % 8 !== 0) return SCALAR;
      const arg = this.#prog.ctxArgs?.[i.off / 8];
      return arg === undefined ? UNKNOWN : this.#typedValue(arg);
    }
    if (base.k !== 'ptr') return size < 8 || signExt ? SCALAR : UNKNOWN;
    const field = fieldAt(this.#cx.btf, base.type, base.off + i.off);
    if (field === undefined || field.size !== size) return size < 8 ? SCALAR : UNKNOWN;
    if (base.map !== undefined && isU64(this.#cx.btf, field.type)) return { k: 'loaded', src: { container: field.container, offset: field.offset }, add: 0 };
    return this.#typedValue(field.type);
  }

  /** A value of BTF type `typeId`: a typed pointer, a scalar, or unknown. */
  #typedValue(typeId: number): Val {
    const btf = this.#cx.btf;
    const p = pointee(btf, typeId);
    if (p !== undefined) {
      if (p.arena) return { k: 'arena', type: p.type };
      return p.type !== 0 && isRecord(btf, p.type) ? { k: 'ptr', type: p.type, off: 0 } : UNKNOWN;
    }
    const t = btf.resolve(typeId);
    if (t instanceof BtfError) return UNKNOWN;
    return t.kind === 'INT' || t.kind === 'ENUM' || t.kind === 'ENUM64' ? SCALAR : UNKNOWN;
  }

  /** STX/ST: a spill, a store into a map value's u64 field, or a store into a typed pointer field. */
  #store(s: State, i: Insn, v: Val): void {
    const base = s.regs[i.dst]!;
    const size = insnSize(i);
    if (base.k === 'stack') {
      const off = base.off + i.off;
      s.clobber(off, size);
      if (size === 8 && off % 8 === 0 && v.k !== 'unknown') s.slots.set(off, v);
      return;
    }
    if (base.k === 'ptr') {
      const btf = this.#cx.btf;
      const field = fieldAt(btf, base.type, base.off + i.off);
      if (field === undefined) return;
      if (base.map !== undefined && isU64(btf, field.type)) {
        const key = { container: field.container, offset: field.offset };
        if (size !== 8) return this.#claim(key, { kind: 'scalar' }, i);
        const target = this.#storedTarget(v);
        if (target !== undefined) this.#claim(key, target, i);
        return;
      }
      // The value goes into a BTF pointer field: it must be that pointer.
      if (size === 8 && v.k === 'loaded' && v.add === 0) {
        const p = pointee(btf, field.type);
        if (p !== undefined && p.type !== 0 && isRecord(btf, p.type)) this.#claim(v.src, { kind: p.arena ? 'arena' : 'kernel', type: p.type }, i);
      }
      return;
    }
    // An unknown pointer may be a stack pointer whose offset two paths disagreed on: the write
    // may have replaced any spill. (Map, kernel and arena memory hold no tracked state.)
    if (base.k === 'unknown') s.slots.clear();
  }

  /** What storing `v` into a u64 field says about that field, or undefined for nothing. */
  #storedTarget(v: Val): ClaimTarget | undefined {
    switch (v.k) {
      case 'ptr':
        if (v.off !== 0 || !isRecord(this.#cx.btf, v.type)) return undefined;
        return { kind: 'kernel', type: v.type };
      case 'arena':
        return { kind: 'arena', type: v.type };
      case 'scalar':
        // Clearing a pointer field to 0 (NULL) is what pointer fields get too.
        return v.value === 0n ? undefined : { kind: 'scalar' };
      case 'loaded':
        // The field's own value moved by a constant (x += 1) is a counter.
        return v.add !== 0 ? { kind: 'scalar' } : undefined;
      default:
        return undefined;
    }
  }

  #atomic(s: State, i: Insn): void {
    const base = s.regs[i.dst]!;
    const fetchReg = i.imm === ATOMIC_CMPXCHG ? 0 : (i.imm & 0x01) !== 0 ? i.src : -1;
    if (i.imm === ATOMIC_XCHG || i.imm === ATOMIC_CMPXCHG) this.#store(s, i, s.regs[i.src]!);
    else if (base.k === 'ptr' && base.map !== undefined) {
      // add/and/or/xor on the field: arithmetic, so not a pointer.
      const field = fieldAt(this.#cx.btf, base.type, base.off + i.off);
      if (field !== undefined && isU64(this.#cx.btf, field.type)) this.#claim({ container: field.container, offset: field.offset }, { kind: 'scalar' }, i);
    } else if (base.k === 'stack') s.clobber(base.off + i.off, insnSize(i));
    else if (base.k === 'unknown') s.slots.clear();
    if (fetchReg >= 0) s.regs[fetchReg] = UNKNOWN;
  }

  #call(s: State, i: Insn): void {
    const ref = this.#prog.refs.get(i.index);
    let ret: Val = UNKNOWN;
    // Argument registers through which the callee might write: all five unless its types say otherwise.
    let writable = [1, 2, 3, 4, 5];
    if (ref?.kind === 'kfunc') {
      ret = this.#kfunc(s, i, ref.func, ref.name);
      writable = this.#kfuncPointerArgs(ref.func) ?? writable;
    } else if (ref?.kind === 'subprog' || i.src === PSEUDO_CALL) ret = UNKNOWN;
    else if (i.src === 0) {
      const sig = HELPERS.get(i.imm);
      if (sig?.readsOnly === true) writable = [];
      if (sig !== undefined) ret = this.#helper(s, i, sig);
    }
    // A callee given a stack pointer (or a value that might be one) may write the caller's slots.
    if (writable.some((r) => s.regs[r]!.k === 'stack' || s.regs[r]!.k === 'unknown')) s.slots.clear();
    for (let r = 1; r <= 5; r++) s.regs[r] = UNKNOWN;
    s.regs[0] = ret;
  }

  #helper(s: State, i: Insn, sig: NonNullable<ReturnType<typeof HELPERS.get>>): Val {
    for (const [reg, struct] of Object.entries(sig.args ?? {})) {
      const v = s.regs[Number(reg)]!;
      const id = this.#struct(struct);
      if (v.k === 'loaded' && v.add === 0 && id !== undefined) this.#claim(v.src, { kind: 'kernel', type: id }, i);
    }
    const r1 = s.regs[1]!;
    if (sig.returns === 'mapValueOfR1') return r1.k === 'map' ? this.#mapValue(r1.map, 0) : UNKNOWN;
    if (sig.returns === 'kptrOfR1') {
      if (r1.k !== 'ptr') return UNKNOWN;
      const field = fieldAt(this.#cx.btf, r1.type, r1.off);
      return field === undefined ? UNKNOWN : this.#typedValue(field.type);
    }
    if (sig.returns !== undefined) {
      const id = this.#struct(sig.returns.struct);
      return id === undefined ? UNKNOWN : { k: 'ptr', type: id, off: 0 };
    }
    return UNKNOWN;
  }

  /** The argument registers a kfunc's prototype declares as pointers, or undefined without a prototype. */
  #kfuncPointerArgs(func: number): number[] | undefined {
    const btf = this.#cx.btf;
    const f = func === 0 ? undefined : btf.type(func);
    if (f === undefined || f instanceof BtfError || f.kind !== 'FUNC') return undefined;
    const proto = btf.type(f.type);
    if (proto instanceof BtfError || proto.kind !== 'FUNC_PROTO') return undefined;
    return proto.params.slice(0, 5).flatMap((param, n) => (pointee(btf, param.type) === undefined ? [] : [n + 1]));
  }

  #kfunc(s: State, i: Insn, func: number, name: string): Val {
    const btf = this.#cx.btf;
    const f = func === 0 ? undefined : btf.type(func);
    if (f === undefined || f instanceof BtfError || f.kind !== 'FUNC') return UNKNOWN;
    const proto = btf.type(f.type);
    if (proto instanceof BtfError || proto.kind !== 'FUNC_PROTO') return UNKNOWN;
    proto.params.slice(0, 5).forEach((param, n) => {
      const v = s.regs[n + 1]!;
      if (v.k !== 'loaded' || v.add !== 0) return;
      const p = pointee(btf, param.type);
      if (p !== undefined && p.type !== 0 && isRecord(btf, p.type)) this.#claim(v.src, { kind: p.arena ? 'arena' : 'kernel', type: complete(btf, p.type) }, i);
    });
    if (ARENA_ALLOC_KFUNCS.has(name)) return { k: 'arena', type: 0 };
    return proto.returnType === 0 ? UNKNOWN : this.#typedValue(proto.returnType);
  }
}
