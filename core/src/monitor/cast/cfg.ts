/**
 * Basic blocks of one BPF function: runs of instructions entered only at the top and left only
 * at the bottom, with their successors. The abstract interpretation walks these instead of
 * single instructions so a state is kept per block, not per instruction.
 */
import { CLASS, type Insn, JMP_OP, insnClass, insnOp } from './insn.js';

export interface Block {
  readonly id: number;
  /** Indexes into the function's instruction array (not slot indexes). */
  readonly start: number;
  readonly end: number;
  readonly succs: readonly number[];
}

/** A jump's target slot, or undefined when the instruction does not jump. */
export function jumpTarget(i: Insn): number | undefined {
  const cls = insnClass(i);
  if (cls !== CLASS.JMP && cls !== CLASS.JMP32) return undefined;
  const op = insnOp(i);
  if (op === JMP_OP.CALL || op === JMP_OP.EXIT) return undefined;
  // gotol (JMP32 | JA) keeps its 32-bit offset in imm.
  const delta = cls === CLASS.JMP32 && op === JMP_OP.JA ? i.imm : i.off;
  return i.index + 1 + delta;
}

const isExit = (i: Insn): boolean => insnClass(i) === CLASS.JMP && insnOp(i) === JMP_OP.EXIT;
const isGoto = (i: Insn): boolean => (insnClass(i) === CLASS.JMP || insnClass(i) === CLASS.JMP32) && insnOp(i) === JMP_OP.JA;

/** Splits `insns` into blocks; a jump to a slot that starts no instruction ends the walk there (no successor). */
export function basicBlocks(insns: readonly Insn[]): Block[] {
  const bySlot = new Map(insns.map((insn, at) => [insn.index, at]));
  const leaders = new Set<number>([0]);
  insns.forEach((insn, at) => {
    const target = jumpTarget(insn);
    if (target !== undefined) {
      const t = bySlot.get(target);
      if (t !== undefined) leaders.add(t);
    }
    if ((target !== undefined || isExit(insn)) && at + 1 < insns.length) leaders.add(at + 1);
  });
  const starts = [...leaders].filter((s) => s < insns.length).sort((a, b) => a - b);
  const blockOf = new Map(starts.map((s, id) => [s, id]));
  return starts.map((start, id) => {
    const end = (starts[id + 1] ?? insns.length) - 1;
    const last = insns[end]!;
    const succs: number[] = [];
    const target = jumpTarget(last);
    if (target !== undefined) {
      const t = bySlot.get(target);
      if (t !== undefined) succs.push(blockOf.get(t)!);
    }
    if (!isExit(last) && !isGoto(last) && end + 1 < insns.length) succs.push(id + 1);
    return { id, start, end, succs: [...new Set(succs)] };
  });
}
