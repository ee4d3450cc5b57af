/**
 * Minimal ELF64 little-endian reader: just what is needed to copy a host binary and its
 * shared libraries into the guest's initramfs — file type, machine, the program
 * interpreter (PT_INTERP) and the dynamic entries DT_NEEDED, DT_RPATH, DT_RUNPATH and
 * DT_SONAME. For the monitor it also finds a section's bytes by name (a vmlinux's or a BPF
 * object's .BTF) through the section header table.
 *
 * Why not an npm package: the ELF parsers on the registry were checked with `npm view` and
 * `npm pack` — elfy 1.0.0 (untyped, sections only), elf-tools 1.1.2 (untyped, no dynamic
 * section decoding), elfinfo 0.4.0-beta (typed, but sections/symbols only, a beta, and it
 * ships @types/node 14 as a runtime dependency) and elf-parser 1.0.1 (a CLI). None decodes
 * the dynamic section or PT_INTERP, so each would still need the code below.
 *
 * Only the parts of a file that are needed are read (header, program headers, PT_INTERP,
 * PT_DYNAMIC and its string table), so scanning many large libraries stays cheap.
 * Strings in the dynamic section are found the way the dynamic loader finds them:
 * DT_STRTAB is a virtual address, translated to a file offset through the PT_LOAD segments.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { KtstrError } from '../errors.js';

export type ElfFileType = 'relocatable' | 'executable' | 'shared-object' | 'core' | 'other';

export interface ElfInfo {
  /** The name the file was read under; used in error messages. */
  readonly file: string;
  /**
   * e_type as a name. Position-independent executables (most distribution binaries) are
   * 'shared-object' (ET_DYN), like libraries.
   */
  readonly type: ElfFileType;
  /** e_type as a number. */
  readonly typeCode: number;
  /** e_machine, e.g. 62 (EM_X86_64). */
  readonly machine: number;
  /** e_machine as a name such as 'x86_64' or 'aarch64', or 'EM_<number>' for others. */
  readonly machineName: string;
  /** Path from PT_INTERP, e.g. '/lib64/ld-linux-x86-64.so.2'; null when there is none. */
  readonly interpreter: string | null;
  /** DT_NEEDED names in file order. */
  readonly needed: readonly string[];
  /** DT_RPATH split at ':' (empty parts dropped), or null when the tag is absent. */
  readonly rpath: readonly string[] | null;
  /** DT_RUNPATH split at ':' (empty parts dropped), or null when the tag is absent. */
  readonly runpath: readonly string[] | null;
  /** DT_SONAME, or null. */
  readonly soname: string | null;
  /** True when the file has a PT_DYNAMIC segment (dynamic executables, libraries, static-pie). */
  readonly hasDynamicSegment: boolean;
  /** True when the file needs neither a program interpreter nor shared libraries. */
  readonly isStatic: boolean;
}

export const EM_386 = 3;
export const EM_ARM = 40;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
export const EM_RISCV = 243;

const MACHINE_NAMES: Readonly<Record<number, string>> = {
  [EM_386]: 'i386',
  [EM_ARM]: 'arm',
  [EM_X86_64]: 'x86_64',
  [EM_AARCH64]: 'aarch64',
  [EM_RISCV]: 'riscv',
};

/** e_machine as a name such as 'x86_64', or 'EM_<number>' for machines not listed here. */
export function elfMachineName(machine: number): string {
  return MACHINE_NAMES[machine] ?? `EM_${machine}`;
}

const FILE_TYPES: Readonly<Record<number, ElfFileType>> = {
  1: 'relocatable',
  2: 'executable',
  3: 'shared-object',
  4: 'core',
};

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ELFDATA2MSB = 2;
const ELF64_HEADER_BYTES = 64;
const ELF64_PROGRAM_HEADER_BYTES = 56;
const ELF64_SECTION_HEADER_BYTES = 64;
const ELF64_DYN_BYTES = 16;
/** e_phnum value meaning "the real count is in section header 0's sh_info". */
const PN_XNUM = 0xffff;

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;

const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_RUNPATH = 29;

/** Random access to the bytes of an ELF file, from memory or from an open file. */
interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Buffer;
}

interface ProgramHeader {
  type: number;
  offset: number;
  vaddr: number;
  fileSize: number;
}

/** Reads the ELF facts of the file at `path`, reading only the parts that are needed. */
export function readElfFile(path: string): ElfInfo {
  return withElfFile(path, (source) => parseElfSource(path, source));
}

/** Opens `path` for reading its ELF parts through `use`, and closes it whatever `use` does. */
function withElfFile<T>(path: string, use: (source: ReturnType<typeof fileSource>) => T): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    throw new KtstrError(path, code, 'cannot be opened as an ELF file', 'Check that the path exists and is readable.', { cause });
  }
  try {
    return use(fileSource(fd));
  } finally {
    closeSync(fd);
  }
}

/** Reads the ELF facts from bytes already in memory; `file` names them in error messages. */
export function parseElf(bytes: Uint8Array, file: string): ElfInfo {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return parseElfSource(file, {
    size: buffer.length,
    read: (offset, length) => buffer.subarray(offset, offset + length),
  });
}

function parseElfSource(file: string, source: ByteSource): ElfInfo {
  checkElfIdent(file, source);

  const header = readExactly(source, file, 0, ELF64_HEADER_BYTES, 'the ELF header');
  return parseElfHeader(file, source, header);
}

/** Throws unless the file is a 64-bit little-endian ELF file, the only kind this reader handles. */
function checkElfIdent(file: string, source: ByteSource): void {
  const ident = source.read(0, Math.min(16, source.size));
  if (ident.length < 16 || !ident.subarray(0, 4).equals(ELF_MAGIC)) {
    const start = ident.subarray(0, 4);
    throw new KtstrError(
      file,
      start.length === 0 ? 'an empty file' : `${start.toString('hex')} (${JSON.stringify(start.toString('latin1'))})`,
      'is not an ELF file: its first 4 bytes are not 7f 45 4c 46 ("\\x7fELF")',
      'Pass a compiled executable or shared library; for a script, pass the interpreter named on its #! line instead.',
    );
  }
  const elfClass = ident[4];
  if (elfClass !== ELFCLASS64) {
    throw new KtstrError(
      file,
      elfClass === ELFCLASS32 ? 'ELFCLASS32' : `EI_CLASS ${elfClass}`,
      'is not a 64-bit ELF file; only ELFCLASS64 is supported',
      'Use a 64-bit build of the program; ktstr guests are 64-bit.',
    );
  }
  const dataEncoding = ident[5];
  if (dataEncoding !== ELFDATA2LSB) {
    throw new KtstrError(
      file,
      dataEncoding === ELFDATA2MSB ? 'ELFDATA2MSB (big-endian)' : `EI_DATA ${dataEncoding}`,
      'is not a little-endian ELF file; only ELFDATA2LSB is supported',
      'Use a little-endian build of the program (x86_64, aarch64 and riscv64 are little-endian).',
    );
  }
}

function parseElfHeader(file: string, source: ByteSource, header: Buffer): ElfInfo {
  const typeCode = header.readUInt16LE(16);
  const machine = header.readUInt16LE(18);
  const programHeaderOffset = toSafeNumber(header.readBigUInt64LE(32), file, 'e_phoff');
  const sectionHeaderOffset = toSafeNumber(header.readBigUInt64LE(40), file, 'e_shoff');
  const programHeaderEntryBytes = header.readUInt16LE(54);
  let programHeaderCount = header.readUInt16LE(56);
  if (programHeaderCount === PN_XNUM) {
    const section0 = readExactly(source, file, sectionHeaderOffset, ELF64_SECTION_HEADER_BYTES, 'section header 0 (holds e_phnum)');
    programHeaderCount = section0.readUInt32LE(44);
  }
  if (programHeaderCount > 0 && programHeaderEntryBytes < ELF64_PROGRAM_HEADER_BYTES) {
    throw corrupt(file, 'e_phentsize', programHeaderEntryBytes, `is smaller than an ELF64 program header (${ELF64_PROGRAM_HEADER_BYTES} bytes)`);
  }

  const programHeaders: ProgramHeader[] = [];
  if (programHeaderCount > 0) {
    const table = readExactly(source, file, programHeaderOffset, programHeaderCount * programHeaderEntryBytes, 'the program header table');
    for (let i = 0; i < programHeaderCount; i++) {
      const at = i * programHeaderEntryBytes;
      programHeaders.push({
        type: table.readUInt32LE(at),
        offset: toSafeNumber(table.readBigUInt64LE(at + 8), file, `program header ${i} p_offset`),
        vaddr: toSafeNumber(table.readBigUInt64LE(at + 16), file, `program header ${i} p_vaddr`),
        fileSize: toSafeNumber(table.readBigUInt64LE(at + 32), file, `program header ${i} p_filesz`),
      });
    }
  }

  let interpreter: string | null = null;
  const interp = programHeaders.find((p) => p.type === PT_INTERP);
  if (interp !== undefined) {
    const bytes = readExactly(source, file, interp.offset, interp.fileSize, 'PT_INTERP');
    interpreter = cString(bytes, 0);
  }

  const dynamicHeader = programHeaders.find((p) => p.type === PT_DYNAMIC);
  const dynamic = dynamicHeader === undefined ? emptyDynamic() : readDynamic(source, file, dynamicHeader, programHeaders);

  return {
    file,
    type: FILE_TYPES[typeCode] ?? 'other',
    typeCode,
    machine,
    machineName: elfMachineName(machine),
    interpreter,
    needed: dynamic.needed,
    rpath: dynamic.rpath,
    runpath: dynamic.runpath,
    soname: dynamic.soname,
    hasDynamicSegment: dynamicHeader !== undefined,
    isStatic: interpreter === null && dynamic.needed.length === 0,
  };
}

interface DynamicFacts {
  needed: string[];
  rpath: string[] | null;
  runpath: string[] | null;
  soname: string | null;
}

function emptyDynamic(): DynamicFacts {
  return { needed: [], rpath: null, runpath: null, soname: null };
}

function readDynamic(source: ByteSource, file: string, dynamicHeader: ProgramHeader, programHeaders: ProgramHeader[]): DynamicFacts {
  const table = readExactly(source, file, dynamicHeader.offset, dynamicHeader.fileSize, 'PT_DYNAMIC');
  // String-valued tags hold offsets into the string table; collect them first, since
  // DT_STRTAB may come after the entries that refer to it.
  const neededOffsets: number[] = [];
  const rpathOffsets: number[] = [];
  const runpathOffsets: number[] = [];
  let sonameOffset: number | null = null;
  let stringTableAddress: number | null = null;
  let stringTableBytes: number | null = null;
  for (let at = 0; at + ELF64_DYN_BYTES <= table.length; at += ELF64_DYN_BYTES) {
    const tag = table.readBigInt64LE(at);
    if (tag === BigInt(DT_NULL)) break;
    if (tag > BigInt(DT_RUNPATH)) continue; // OS/processor-specific tags: not needed here
    const value = toSafeNumber(table.readBigUInt64LE(at + 8), file, `dynamic entry ${at / ELF64_DYN_BYTES} d_val`);
    switch (Number(tag)) {
      case DT_NEEDED: neededOffsets.push(value); break;
      case DT_RPATH: rpathOffsets.push(value); break;
      case DT_RUNPATH: runpathOffsets.push(value); break;
      case DT_SONAME: sonameOffset = value; break;
      case DT_STRTAB: stringTableAddress = value; break;
      case DT_STRSZ: stringTableBytes = value; break;
    }
  }
  const usesStrings = neededOffsets.length + rpathOffsets.length + runpathOffsets.length > 0 || sonameOffset !== null;
  if (!usesStrings) return emptyDynamic();
  if (stringTableAddress === null) {
    throw corrupt(file, 'DT_STRTAB', null, 'is missing although the dynamic section has string entries');
  }
  const load = programHeaders.find(
    (p) => p.type === PT_LOAD && p.vaddr <= stringTableAddress! && stringTableAddress! < p.vaddr + p.fileSize,
  );
  if (load === undefined) {
    throw corrupt(file, 'DT_STRTAB', `0x${stringTableAddress.toString(16)}`, 'points outside every PT_LOAD segment');
  }
  const stringTableOffset = load.offset + (stringTableAddress - load.vaddr);
  const available = load.offset + load.fileSize - stringTableOffset;
  const strings = readExactly(source, file, stringTableOffset, Math.min(stringTableBytes ?? available, available), 'the dynamic string table');
  const lookup = (offset: number, tagName: string): string => {
    if (offset >= strings.length) {
      throw corrupt(file, tagName, offset, `is beyond the end of the dynamic string table (${strings.length} bytes)`);
    }
    return cString(strings, offset);
  };
  const splitPath = (offsets: number[], tagName: string): string[] | null =>
    offsets.length === 0 ? null : offsets.flatMap((o) => lookup(o, tagName).split(':')).filter((dir) => dir.length > 0);
  return {
    needed: neededOffsets.map((o) => lookup(o, 'DT_NEEDED')),
    rpath: splitPath(rpathOffsets, 'DT_RPATH'),
    runpath: splitPath(runpathOffsets, 'DT_RUNPATH'),
    soname: sonameOffset === null ? null : lookup(sonameOffset, 'DT_SONAME'),
  };
}

/**
 * The bytes of the section named `name` (e.g. '.BTF' of a vmlinux or of a BPF object), found
 * through the section header table and its name table (e_shstrndx); null when there is no such
 * section or it occupies no file bytes (SHT_NOBITS). Only the headers and that section are read,
 * so a 60 MB vmlinux costs a few reads.
 */
export function readElfSectionFile(path: string, name: string): Buffer | null {
  return withElfFile(path, (source) => findSection(path, source, name));
}

/** Like readElfSectionFile, for an ELF image already in memory; `file` names it in error messages. */
export function elfSection(bytes: Uint8Array, file: string, name: string): Buffer | null {
  return findSection(file, memorySource(bytes), name);
}

function fileSource(fd: number): ByteSource {
  return {
    size: fstatSync(fd).size,
    read(offset, length) {
      const out = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
      return out.subarray(0, done);
    },
  };
}

/** SHN_XINDEX in e_shstrndx (and e_shnum 0): the real value is in section header 0. */
const SHN_XINDEX = 0xffff;
const SHT_NOBITS = 8;

/** One entry of the section header table, its name resolved through e_shstrndx. */
export interface ElfSectionHeader {
  /** Position in the table: what sh_link, sh_info and a symbol's st_shndx refer to. */
  readonly index: number;
  readonly name: string;
  /** sh_type (1 PROGBITS, 2 SYMTAB, 8 NOBITS, 9 REL, ...). */
  readonly type: number;
  /** sh_flags (0x4 SHF_EXECINSTR, ...). */
  readonly flags: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
}

/**
 * The whole section header table of an ELF image in memory, names resolved; [] when it has none
 * (e_shoff 0). The one section-table reader: elfSection finds a section by name through it, and
 * the cast analysis walks its symbol and relocation sections with it.
 */
export function elfSectionTable(bytes: Uint8Array, file: string): ElfSectionHeader[] {
  return sectionTable(file, memorySource(bytes));
}

function memorySource(bytes: Uint8Array): ByteSource {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { size: buffer.length, read: (offset, length) => buffer.subarray(offset, offset + length) };
}

function sectionTable(file: string, source: ByteSource): ElfSectionHeader[] {
  checkElfIdent(file, source);
  const header = readExactly(source, file, 0, ELF64_HEADER_BYTES, 'the ELF header');
  const tableOffset = toSafeNumber(header.readBigUInt64LE(40), file, 'e_shoff');
  const entryBytes = header.readUInt16LE(58);
  let count = header.readUInt16LE(60);
  let namesIndex = header.readUInt16LE(62);
  if (tableOffset === 0) return [];
  if (entryBytes < ELF64_SECTION_HEADER_BYTES) {
    throw corrupt(file, 'e_shentsize', entryBytes, `is smaller than an ELF64 section header (${ELF64_SECTION_HEADER_BYTES} bytes)`);
  }
  if (count === 0 || namesIndex === SHN_XINDEX) {
    const section0 = readExactly(source, file, tableOffset, ELF64_SECTION_HEADER_BYTES, 'section header 0');
    if (count === 0) count = toSafeNumber(section0.readBigUInt64LE(32), file, 'section header 0 sh_size (e_shnum)');
    if (namesIndex === SHN_XINDEX) namesIndex = section0.readUInt32LE(40);
  }
  const table = readExactly(source, file, tableOffset, count * entryBytes, 'the section header table');
  const raw = Array.from({ length: count }, (_, index) => {
    const at = index * entryBytes;
    return {
      index,
      nameOffset: table.readUInt32LE(at),
      type: table.readUInt32LE(at + 4),
      flags: toSafeNumber(table.readBigUInt64LE(at + 8), file, `section header ${index} sh_flags`),
      offset: toSafeNumber(table.readBigUInt64LE(at + 24), file, `section header ${index} sh_offset`),
      size: toSafeNumber(table.readBigUInt64LE(at + 32), file, `section header ${index} sh_size`),
      link: table.readUInt32LE(at + 40),
      info: table.readUInt32LE(at + 44),
    };
  });
  if (namesIndex >= count) throw corrupt(file, 'e_shstrndx', namesIndex, `is not below the section count (${count})`);
  const namesHeader = raw[namesIndex]!;
  const names = readExactly(source, file, namesHeader.offset, namesHeader.size, 'the section name table');
  // A name beyond the name table reads as '' (no lookup can match it), as before the table was shared.
  return raw.map(({ nameOffset, ...rest }) => ({ ...rest, name: nameOffset < names.length ? cString(names, nameOffset) : '' }));
}

function findSection(file: string, source: ByteSource, name: string): Buffer | null {
  const s = sectionTable(file, source).find((x) => x.name === name);
  if (s === undefined || s.type === SHT_NOBITS) return null;
  return readExactly(source, file, s.offset, s.size, `section ${name}`);
}

function readExactly(source: ByteSource, file: string, offset: number, length: number, what: string): Buffer {
  if (offset + length > source.size) {
    throw new KtstrError(
      file,
      `${source.size} bytes`,
      `is a truncated ELF file: ${what} spans bytes ${offset}..${offset + length}`,
      'The file is incomplete or corrupt; reinstall or rebuild it.',
    );
  }
  const bytes = source.read(offset, length);
  if (bytes.length !== length) {
    throw new KtstrError(file, `${bytes.length} of ${length} bytes`, `changed while being read (short read of ${what})`, 'Retry once the file is no longer being written.');
  }
  return bytes;
}

function cString(bytes: Buffer, offset: number): string {
  const end = bytes.indexOf(0, offset);
  return bytes.toString('utf8', offset, end === -1 ? bytes.length : end);
}

function toSafeNumber(value: bigint, file: string, field: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw corrupt(file, field, `0x${value.toString(16)}`, 'is too large to be a real offset, address or size');
  }
  return Number(value);
}

function corrupt(file: string, field: string, value: unknown, problem: string): KtstrError {
  return new KtstrError(`${file}: ${field}`, value, problem, 'The file is corrupt or was produced by an unusual linker; check it with `readelf -a`.');
}
