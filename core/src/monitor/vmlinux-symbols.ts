/**
 * A kernel's link-time symbols from its vmlinux's ELF symbol table (.symtab), for kernels that
 * come with an unstripped vmlinux but no real System.map (a tree built by hand, a distribution's
 * debug vmlinux). The monitor needs names to addresses; the nm-style type letter is derived from
 * the ELF symbol type and binding (absolute symbols are `A`, so `Symbols.withSlide` leaves them).
 *
 * Only the section headers, .symtab and .strtab are read: a vmlinux without .symtab (one
 * extracted from a distribution's vmlinuz) costs a few reads.
 */
import { readElfSectionFile } from '../initramfs/elf.js';
import { type KernelSymbol, Symbols } from './symbols.js';
import { Unavailable } from './unavailable.js';

const SHN_UNDEF = 0;
const SHN_ABS = 0xfff1;
const STT_NOTYPE = 0;
const STT_OBJECT = 1;
const STT_FUNC = 2;
const STB_LOCAL = 0;
const SYM_SIZE = 24; // Elf64_Sym

/** Parses an ELF64 little-endian symbol table and its string table; pure, tested on hand-built bytes. */
export function parseSymtab(symtab: Buffer, strtab: Buffer): KernelSymbol[] {
  const out: KernelSymbol[] = [];
  for (let at = 0; at + SYM_SIZE <= symtab.length; at += SYM_SIZE) {
    const nameOff = symtab.readUInt32LE(at);
    const info = symtab[at + 4]!;
    const shndx = symtab.readUInt16LE(at + 6);
    const type = info & 0xf;
    if (nameOff === 0 || shndx === SHN_UNDEF) continue;
    if (type !== STT_NOTYPE && type !== STT_OBJECT && type !== STT_FUNC) continue; // section and file symbols
    const end = strtab.indexOf(0, nameOff);
    const letter = shndx === SHN_ABS ? 'A' : type === STT_OBJECT ? 'D' : 'T';
    out.push({
      name: strtab.toString('latin1', nameOff, end < 0 ? undefined : end),
      address: symtab.readBigUInt64LE(at + 8),
      type: info >> 4 === STB_LOCAL ? letter.toLowerCase() : letter,
    });
  }
  return out;
}

/** The symbols of a vmlinux's .symtab, or Unavailable saying why there are none. */
export function vmlinuxSymbols(path: string): Symbols | Unavailable {
  let symtab: Buffer | null;
  let strtab: Buffer | null;
  try {
    symtab = readElfSectionFile(path, '.symtab');
    strtab = symtab ? readElfSectionFile(path, '.strtab') : null;
  } catch (e) {
    return new Unavailable(`${path}: ${(e as Error).message}`);
  }
  if (!symtab) return new Unavailable(`${path} has no .symtab (stripped)`);
  if (!strtab) return new Unavailable(`${path} has a .symtab but no .strtab`);
  const syms = new Symbols(parseSymtab(symtab, strtab), 'vmlinux');
  const why = syms.unusableReason();
  return why ? new Unavailable(`${path}: ${why}`) : syms;
}
