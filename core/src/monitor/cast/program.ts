/**
 * One BPF function as the cast analysis sees it: its instructions and what the object's
 * relocations say about some of them. The ELF reader (elf-object.ts) makes these from a .bpf.o;
 * tests make them by hand, so the analysis never depends on how an object file lays things out.
 */
import type { Insn } from './insn.js';

/** What a relocation (or a loader's pseudo src_reg) says an instruction refers to. */
export type InsnRef =
  /** ld_imm64 of a map itself (`&my_map`), the first argument of map helpers. */
  | { readonly kind: 'map'; readonly map: string }
  /** ld_imm64 of an address inside a map's value: a global in `.bss`/`.data`/`.rodata`. */
  | { readonly kind: 'mapValue'; readonly map: string; readonly offset: number }
  /** A call of a kernel function; `func` is its BTF FUNC id in the program's BTF (0: unknown). */
  | { readonly kind: 'kfunc'; readonly name: string; readonly func: number }
  /** A bpf-to-bpf call of a static function. */
  | { readonly kind: 'subprog'; readonly name: string }
  /** Anything else a relocation names (a ksym, a callback's address): the value is not known. */
  | { readonly kind: 'other'; readonly symbol: string };

export interface ProgramCode {
  /** The function's name (the kernel shows the first 15 characters). */
  readonly name: string;
  readonly section: string;
  /** Indexed from 0 at the function's first slot. */
  readonly insns: readonly Insn[];
  /** By slot index. */
  readonly refs: ReadonlyMap<number, InsnRef>;
  /**
   * BTF type ids of the context's u64 slots (ctx[0], ctx[1], ...): a struct_ops or tracing
   * program's arguments. Absent when not known; loads from the context are then untyped.
   */
  readonly ctxArgs?: readonly number[];
}

/** A map the programs use: its name as the object declares it and its value's BTF type. */
export interface MapDecl {
  readonly name: string;
  /** A struct, an integer, or a DATASEC for `.bss`/`.data`/`.rodata` (global variables). */
  readonly valueType: number;
}
