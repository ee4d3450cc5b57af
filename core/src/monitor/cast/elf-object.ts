/**
 * A BPF object (.bpf.o, or the one a skeleton loader embeds) read for the cast analysis: its
 * BTF, the maps its programs use with their value types, and every function of every executable
 * section with its relocations turned into InsnRefs.
 *
 * In an object file the loader has not yet rewritten anything: `r1 = &map` and `r1 = &global`
 * are ld_imm64 with src_reg 0 and an R_BPF_64_64 relocation naming the symbol, and a kfunc call
 * is `call -1` relocated against an undefined symbol. So what an instruction refers to comes
 * from the symbol's section (`.maps`: a map; `.bss`/`.data`/`.rodata`: a global, the section
 * being the map), not from src_reg. No CO-RE relocation needs applying: instruction offsets are
 * clang's, computed from the same local types the object's BTF describes, which is the BTF the
 * analysis reads them with.
 *
 * struct_ops programs take their arguments as ctx[0], ctx[1], ...; their types are the params of
 * the ops member the program is stored in (`.struct_ops.link` relocations name it).
 */
import type { Btf } from '../btf/btf.js';
import { BtfError } from '../btf/btf-error.js';
import { parseBtf } from '../btf/parse.js';
import { elfSection, elfSectionTable, type ElfSectionHeader } from '../../initramfs/elf.js';
import { pointee } from './fields.js';
import { CLASS, type Insn, JMP_OP, decodeInsns, insnClass, insnOp, isLdImm64 } from './insn.js';
import type { InsnRef, MapDecl, ProgramCode } from './program.js';

const SHT_SYMTAB = 2;
const SHT_REL = 9;
const SHF_EXECINSTR = 0x4;
const STT_FUNC = 2;
const SHN_UNDEF = 0;

type Section = ElfSectionHeader;

interface ElfSymbol {
  readonly name: string;
  readonly type: number;
  readonly shndx: number;
  readonly value: number;
  readonly size: number;
}

interface Rel {
  readonly offset: number;
  readonly sym: ElfSymbol;
}

export interface BpfObjectCode {
  readonly btf: Btf;
  readonly maps: ReadonlyMap<string, MapDecl>;
  readonly programs: readonly ProgramCode[];
}

/** Reads `obj` (the bytes of one BPF ELF object); a BtfError when it has no usable .BTF. */
export function readBpfObjectCode(obj: Buffer, file = 'BPF object'): BpfObjectCode | BtfError {
  const rawBtf = elfSection(obj, file, '.BTF');
  if (rawBtf === null) return new BtfError(0, file, 'has no .BTF section: the cast analysis needs the program types');
  const btf = parseBtf(rawBtf);
  if (btf instanceof BtfError) return btf;
  const secs = elfSectionTable(obj, file);
  const syms = symbols(obj, secs);
  const relsOf = (target: number): Rel[] =>
    secs.filter((s) => s.type === SHT_REL && s.info === target).flatMap((s) => {
      const out: Rel[] = [];
      for (let at = s.offset; at + 16 <= s.offset + s.size; at += 16) {
        const sym = syms[Number(obj.readBigUInt64LE(at + 8) >> 32n)];
        if (sym) out.push({ offset: Number(obj.readBigUInt64LE(at)), sym });
      }
      return out;
    });
  const maps = mapDecls(btf);
  const ctxArgs = structOpsArgs(btf, secs, relsOf);
  const programs: ProgramCode[] = [];
  for (const sec of secs) {
    if ((sec.flags & SHF_EXECINSTR) === 0 || sec.size === 0) continue;
    const bytes = obj.subarray(sec.offset, sec.offset + sec.size);
    const rels = relsOf(sec.index);
    for (const fn of syms.filter((s) => s.type === STT_FUNC && s.shndx === sec.index)) {
      const size = fn.size > 0 ? fn.size : sec.size - fn.value;
      const insns = decodeInsns(bytes.subarray(fn.value, fn.value + size));
      const refs = new Map<number, InsnRef>();
      const bySlot = new Map(insns.map((x) => [x.index, x]));
      for (const rel of rels) {
        if (rel.offset < fn.value || rel.offset >= fn.value + size) continue;
        const insn = bySlot.get((rel.offset - fn.value) / 8);
        if (insn === undefined) continue;
        const ref = refFor(insn, rel.sym, secs, btf);
        if (ref) refs.set(insn.index, ref);
      }
      const args = ctxArgs.get(fn.name);
      programs.push({ name: fn.name, section: sec.name, insns, refs, ...(args ? { ctxArgs: args } : {}) });
    }
  }
  return { btf, maps, programs };
}

function refFor(insn: Insn, sym: ElfSymbol, secs: readonly Section[], btf: Btf): InsnRef | undefined {
  const secName = secs[sym.shndx]?.name ?? '';
  if (isLdImm64(insn)) {
    if (sym.shndx === SHN_UNDEF) return { kind: 'other', symbol: sym.name };
    if (secName === '.maps') return { kind: 'map', map: sym.name };
    if (/^\.(bss|data|rodata)(\.|$)/.test(secName)) return { kind: 'mapValue', map: secName, offset: sym.value + (insn.imm >>> 0) };
    return { kind: 'other', symbol: sym.name || secName };
  }
  if ((insnClass(insn) === CLASS.JMP || insnClass(insn) === CLASS.JMP32) && insnOp(insn) === JMP_OP.CALL) {
    if (sym.shndx === SHN_UNDEF) return { kind: 'kfunc', name: sym.name, func: btf.find(sym.name, 'FUNC')[0] ?? 0 };
    return { kind: 'subprog', name: sym.name || secName };
  }
  return undefined;
}

/** Maps from `.maps` (value type from the map definition's `value` member) and each global data section. */
function mapDecls(btf: Btf): Map<string, MapDecl> {
  const out = new Map<string, MapDecl>();
  for (const id of btf.ids()) {
    const sec = btf.type(id);
    if (sec instanceof BtfError || sec.kind !== 'DATASEC') continue;
    if (/^\.(bss|data|rodata)(\.|$)/.test(sec.name)) {
      out.set(sec.name, { name: sec.name, valueType: id });
      continue;
    }
    if (sec.name !== '.maps') continue;
    for (const v of sec.vars) {
      const variable = btf.type(v.type);
      if (variable instanceof BtfError || variable.kind !== 'VAR') continue;
      const def = btf.resolve(variable.type);
      if (def instanceof BtfError || def.kind !== 'STRUCT') continue;
      const value = def.members.find((m) => m.name === 'value');
      const p = value === undefined ? undefined : pointee(btf, value.type);
      if (p !== undefined && p.type !== 0) out.set(variable.name, { name: variable.name, valueType: p.type });
    }
  }
  return out;
}

/** Program name -> the BTF types of its ctx slots, from the struct_ops member each program fills. */
function structOpsArgs(btf: Btf, secs: readonly Section[], relsOf: (target: number) => Rel[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const sec of secs.filter((s) => /^\.struct_ops(\.link)?$/.test(s.name))) {
    const ds = btf.find(sec.name, 'DATASEC')[0];
    const datasec = ds === undefined ? undefined : btf.type(ds);
    if (datasec === undefined || datasec instanceof BtfError || datasec.kind !== 'DATASEC') continue;
    for (const rel of relsOf(sec.index)) {
      if (rel.sym.type !== STT_FUNC) continue;
      const v = datasec.vars.find((x) => x.offset <= rel.offset && rel.offset < x.offset + x.size);
      const variable = v === undefined ? undefined : btf.type(v.type);
      if (v === undefined || variable === undefined || variable instanceof BtfError || variable.kind !== 'VAR') continue;
      const ops = btf.resolve(variable.type);
      if (ops instanceof BtfError || ops.kind !== 'STRUCT') continue;
      const member = ops.members.find((m) => m.bitsOffset === (rel.offset - v.offset) * 8);
      const fn = member === undefined ? undefined : pointee(btf, member.type);
      const proto = fn === undefined ? undefined : btf.type(fn.type);
      if (proto === undefined || proto instanceof BtfError || proto.kind !== 'FUNC_PROTO') continue;
      out.set(rel.sym.name, proto.params.map((p) => p.type));
    }
  }
  return out;
}

function symbols(obj: Buffer, secs: readonly Section[]): ElfSymbol[] {
  const symtab = secs.find((s) => s.type === SHT_SYMTAB);
  if (!symtab) return [];
  const strtab = secs[symtab.link];
  const out: ElfSymbol[] = [];
  for (let at = symtab.offset; at + 24 <= symtab.offset + symtab.size; at += 24) {
    out.push({
      name: strtab ? cString(obj, strtab.offset + obj.readUInt32LE(at)) : '',
      type: obj[at + 4]! & 0xf,
      shndx: obj.readUInt16LE(at + 6),
      value: Number(obj.readBigUInt64LE(at + 8)),
      size: Number(obj.readBigUInt64LE(at + 16)),
    });
  }
  return out;
}

function cString(obj: Buffer, start: number): string {
  const end = obj.indexOf(0, start);
  return obj.toString('latin1', start, end === -1 ? obj.length : end);
}
