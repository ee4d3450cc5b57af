/**
 * Global variables by name, from DATASEC/VAR: a BPF program's .bss, .data and .rodata are BPF
 * array maps whose single value is the whole section, so reading a scheduler's global `nr_queued`
 * means finding its VAR in a DATASEC and reading `size` bytes at `offset` of that map's value.
 * In vmlinux the only DATASEC is .data..percpu (offsets from the per-CPU area's start).
 *
 * In a BPF object file straight from clang the DATASEC sizes and offsets may still be 0: libbpf
 * fills them in at load time. Read the BTF the kernel holds for a loaded program (or a
 * libbpf-processed object) for real offsets.
 */
import { Btf } from './btf.js';
import type { Absent, BtfDatasec, Linkage } from './kinds.js';

export interface GlobalVariable {
  readonly name: string;
  /** The DATASEC's name: '.bss', '.data', '.rodata', '.data..percpu', '.data.<custom>', ... */
  readonly section: string;
  /** Byte offset in the section. */
  readonly offset: number;
  readonly size: number;
  /** The VAR's type id (its value's type; resolve typedefs with btf.resolve). */
  readonly type: number;
  readonly linkage: Linkage;
}

export type VariableLookup = ({ readonly found: true } & GlobalVariable) | Absent;

const cache = new WeakMap<Btf, GlobalVariable[]>();

/** Every variable of every DATASEC this BTF defines (not the base's), in section order. */
export function globalVariables(btf: Btf): readonly GlobalVariable[] {
  let all = cache.get(btf);
  if (all !== undefined) return all;
  all = [];
  for (const id of btf.ids()) {
    if (btf.kind(id) !== 'DATASEC') continue;
    const sec = btf.type(id) as BtfDatasec;
    for (const v of sec.vars) {
      const t = btf.type(v.type);
      // .ksyms sections list FUNCs (kfuncs) too; they are not variables.
      if (t instanceof Error || t.kind !== 'VAR') continue;
      all.push({ name: t.name, section: sec.name, offset: v.offset, size: v.size, type: t.type, linkage: t.linkage });
    }
  }
  cache.set(btf, all);
  return all;
}

/** The variables of one section, e.g. '.bss'. */
export function sectionVariables(btf: Btf, section: string): readonly GlobalVariable[] {
  return globalVariables(btf).filter((v) => v.section === section);
}

/** A variable by name, optionally only in one section (two static variables may share a name). */
export function globalVariable(btf: Btf, name: string, section?: string): VariableLookup {
  const hits = globalVariables(btf).filter((v) => v.name === name && (section === undefined || v.section === section));
  const hit = hits[0];
  if (hit === undefined) {
    return { found: false, why: `no global variable ${name}${section === undefined ? ' in any DATASEC' : ` in ${section}`}` };
  }
  if (hits.length > 1 && section === undefined) {
    return { found: false, why: `global variable ${name} is in several sections (${hits.map((h) => h.section).join(', ')}); name the section` };
  }
  return { found: true, ...hit };
}
