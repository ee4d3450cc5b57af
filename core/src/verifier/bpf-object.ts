/**
 * Which struct_ops programs a scheduler brings, from its BPF object: the loader of a libbpf
 * skeleton carries the object's ELF bytes in its own image (the skeleton's embedded
 * `<name>__elf_bytes`), so the loader binary alone says what should be verified. A program is a
 * FUNC symbol in a section named `struct_ops/...` or `struct_ops.s/...` (sleepable), which is
 * where libbpf's SEC("struct_ops/...") puts it; `ktstr verifier` compares this list with what
 * the kernel loaded.
 */
import { readFileSync } from 'node:fs';
import { KtstrError } from '../errors.js';

const EM_BPF = 247;
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]); // ELF, 64-bit, little-endian, version 1
const SHT_SYMTAB = 2;
const STT_FUNC = 2;

export interface BpfProgramSymbol {
  /** The function's name, as the kernel's bpf_prog_aux.name holds it truncated to 15 characters. */
  readonly name: string;
  readonly section: string;
}

/** The BPF ELF objects inside a file (a BPF object is itself one; a skeleton loader embeds one). */
export function embeddedBpfObjects(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = bytes.indexOf(ELF_MAGIC); at !== -1; at = bytes.indexOf(ELF_MAGIC, at + 1)) {
    if (at + 64 > bytes.length || bytes.readUInt16LE(at + 18) !== EM_BPF) continue;
    const shoff = Number(bytes.readBigUInt64LE(at + 40));
    const end = at + shoff + bytes.readUInt16LE(at + 58) * bytes.readUInt16LE(at + 60);
    if (shoff > 0 && end <= bytes.length) out.push(bytes.subarray(at, end));
  }
  return out;
}

interface Section {
  readonly name: string;
  readonly type: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
}

function sections(obj: Buffer, file: string): Section[] {
  const shoff = Number(obj.readBigUInt64LE(40));
  const entry = obj.readUInt16LE(58);
  const count = obj.readUInt16LE(60);
  const names = obj.readUInt16LE(62);
  if (shoff + count * entry > obj.length || entry < 64) throw new KtstrError(file, `section table at ${shoff}`, 'is not inside the BPF object', 'Rebuild the scheduler; the object is truncated or corrupt.');
  const raw = Array.from({ length: count }, (_, i) => {
    const h = shoff + i * entry;
    return { nameOff: obj.readUInt32LE(h), type: obj.readUInt32LE(h + 4), offset: Number(obj.readBigUInt64LE(h + 24)), size: Number(obj.readBigUInt64LE(h + 32)), link: obj.readUInt32LE(h + 40) };
  });
  const strtab = raw[names];
  const str = (tab: { offset: number } | undefined, off: number): string => {
    if (!tab) return '';
    const start = tab.offset + off;
    const end = obj.indexOf(0, start);
    return obj.toString('latin1', start, end === -1 ? obj.length : end);
  };
  return raw.map((s) => ({ name: str(strtab, s.nameOff), type: s.type, offset: s.offset, size: s.size, link: s.link }));
}

/** The struct_ops programs of one BPF object, in symbol order. */
export function structOpsPrograms(obj: Buffer, file = 'BPF object'): BpfProgramSymbol[] {
  const secs = sections(obj, file);
  const symtab = secs.find((s) => s.type === SHT_SYMTAB);
  if (!symtab) return [];
  const strtab = secs[symtab.link];
  const out: BpfProgramSymbol[] = [];
  for (let at = symtab.offset; at + 24 <= symtab.offset + symtab.size; at += 24) {
    if ((obj[at + 4]! & 0xf) !== STT_FUNC) continue;
    const section = secs[obj.readUInt16LE(at + 6)]?.name ?? '';
    if (!/^struct_ops(\.s)?(\/|$)/.test(section) || !strtab) continue;
    const start = strtab.offset + obj.readUInt32LE(at);
    out.push({ name: obj.toString('latin1', start, obj.indexOf(0, start)), section });
  }
  return out;
}

/** The struct_ops programs of a scheduler binary's embedded objects (or of a BPF object file). */
export function schedulerStructOps(path: string): BpfProgramSymbol[] {
  const bytes = readFileSync(path);
  return embeddedBpfObjects(bytes).flatMap((o) => structOpsPrograms(o, path));
}
