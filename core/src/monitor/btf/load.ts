/**
 * BTF from ELF files: a vmlinux's `.BTF` section (the base), and a BPF object's `.BTF` split on
 * top of it. The section is found with the initramfs ELF reader, which reads only the section
 * headers and the section itself.
 */
import { readElfSectionFile } from '../../initramfs/elf.js';
import type { Btf } from './btf.js';
import { BtfError } from './btf-error.js';
import { parseBtf } from './parse.js';

/** Parses the `.BTF` section of an ELF file; `base` makes it split BTF (a BPF object's). */
export function readElfBtf(path: string, base?: Btf): Btf | BtfError {
  let section: Buffer | null;
  try {
    section = readElfSectionFile(path, '.BTF');
  } catch (cause) {
    return new BtfError(0, path, `cannot read the .BTF section: ${(cause as Error).message}`, { cause });
  }
  if (section === null) return new BtfError(0, path, 'has no .BTF section (a kernel built without CONFIG_DEBUG_INFO_BTF?)');
  return parseBtf(section, base === undefined ? {} : { base });
}
