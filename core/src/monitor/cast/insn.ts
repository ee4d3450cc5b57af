/**
 * eBPF instructions (Documentation/bpf/standardization/instruction-set.rst) decoded from the
 * bytes of a BPF object's program section: 8 bytes each, little-endian, except ld_imm64, which
 * takes two slots and carries its 64-bit immediate across both. Instructions keep their slot
 * index, the numbering llvm-objdump, relocations and the verifier all use.
 *
 * Why no package: no eBPF decoder for JavaScript was found on npm (the maintained disassemblers
 * are llvm-objdump, bpftool and Rust's rbpf), and a disassembler would not track register types,
 * which is the actual work here; decoding is a page of bit fields.
 */

export const CLASS = { LD: 0, LDX: 1, ST: 2, STX: 3, ALU: 4, JMP: 5, JMP32: 6, ALU64: 7 } as const;
export const SIZE = { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 } as const;
export const MODE = { IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, MEMSX: 0x80, ATOMIC: 0xc0 } as const;
export const SRC_X = 0x08;
export const ALU_OP = { ADD: 0x00, SUB: 0x10, MUL: 0x20, DIV: 0x30, OR: 0x40, AND: 0x50, LSH: 0x60, RSH: 0x70, NEG: 0x80, MOD: 0x90, XOR: 0xa0, MOV: 0xb0, ARSH: 0xc0, END: 0xd0 } as const;
export const JMP_OP = { JA: 0x00, JEQ: 0x10, CALL: 0x80, EXIT: 0x90 } as const;
/** src_reg of a call: a helper (0), a bpf-to-bpf call (1), a kfunc (2). */
export const PSEUDO_CALL = 1;
export const PSEUDO_KFUNC_CALL = 2;
/** src_reg of ld_imm64: a map by fd (1), a map value by fd (2), by index (5, 6). */
export const PSEUDO_MAP_FD = 1;
export const PSEUDO_MAP_VALUE = 2;
export const PSEUDO_MAP_IDX = 5;
export const PSEUDO_MAP_IDX_VALUE = 6;
/** The `off` of `mov rD, rS` that makes it addr_space_cast (arena pointers, kernel 6.9). */
export const ADDR_SPACE_CAST = 1;
/** Atomic operations whose result is the old value written back: the source is stored. */
export const ATOMIC_XCHG = 0xe1;
export const ATOMIC_CMPXCHG = 0xf1;

export interface Insn {
  /** Slot index in the section (or function): a jump's target is `index + 1 + off`. */
  readonly index: number;
  readonly code: number;
  readonly dst: number;
  readonly src: number;
  readonly off: number;
  readonly imm: number;
  /** ld_imm64 only: the full immediate, low word from this slot, high from the next. */
  readonly imm64?: bigint;
}

export const insnClass = (i: Insn): number => i.code & 0x07;
export const insnSize = (i: Insn): number => ({ 0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8 })[i.code & 0x18]!;
export const insnMode = (i: Insn): number => i.code & 0xe0;
export const insnOp = (i: Insn): number => i.code & 0xf0;
export const isLdImm64 = (i: Insn): boolean => i.code === (CLASS.LD | SIZE.DW | MODE.IMM);

/** Decodes a program's bytes (a whole number of 8-byte slots); `first` is the index of slot 0. */
export function decodeInsns(bytes: Uint8Array, first = 0): Insn[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength - (bytes.byteLength % 8));
  const out: Insn[] = [];
  for (let at = 0; at + 8 <= buf.length; at += 8) {
    const code = buf[at]!;
    const regs = buf[at + 1]!;
    const base = { index: first + at / 8, code, dst: regs & 0x0f, src: regs >> 4, off: buf.readInt16LE(at + 2), imm: buf.readInt32LE(at + 4) };
    if (code === (CLASS.LD | SIZE.DW | MODE.IMM) && at + 16 <= buf.length) {
      const lo = BigInt(buf.readUInt32LE(at + 4));
      const hi = BigInt(buf.readUInt32LE(at + 12));
      out.push({ ...base, imm64: (hi << 32n) | lo });
      at += 8; // the second slot belongs to this instruction
      continue;
    }
    out.push(base);
  }
  return out;
}

/** Encodes instructions back to bytes: the inverse of decodeInsns, for tests and fixtures. */
export function encodeInsns(insns: readonly Omit<Insn, 'index'>[]): Buffer {
  const parts: Buffer[] = [];
  for (const i of insns) {
    const b = Buffer.alloc(isLdImm64(i as Insn) ? 16 : 8);
    b[0] = i.code;
    b[1] = (i.src << 4) | (i.dst & 0x0f);
    b.writeInt16LE(i.off, 2);
    if (i.imm64 !== undefined) {
      b.writeUInt32LE(Number(i.imm64 & 0xffffffffn), 4);
      b.writeUInt32LE(Number((i.imm64 >> 32n) & 0xffffffffn), 12);
    } else b.writeInt32LE(i.imm, 4);
    parts.push(b);
  }
  return Buffer.concat(parts);
}
