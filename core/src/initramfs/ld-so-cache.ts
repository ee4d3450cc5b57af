/**
 * Reader for glibc's /etc/ld.so.cache, the index `ldconfig` builds and the dynamic loader
 * consults after LD_LIBRARY_PATH and DT_RUNPATH. Finding libraries the way the loader does
 * needs it: many live in directories only listed in /etc/ld.so.conf.d. Reading the file
 * avoids running `ldconfig -p` (which is in /sbin, often off a normal user's PATH).
 *
 * Format (glibc sysdeps/generic/dl-cache.h, "new" format written since glibc 2.32):
 *   char magic[17] "glibc-ld.so.cache", char version[3] "1.1",
 *   u32 nlibs, u32 len_strings, u8 flags, u8 pad[3], u32 extension_offset, u32 unused[3],
 *   then nlibs entries { i32 flags, u32 key, u32 value, u32 osversion, u64 hwcap },
 *   then the string table. key (library name) and value (path) are offsets from the start
 *   of the file. Entries are in the loader's preferred order for equal names.
 */
import { readFileSync } from 'node:fs';
import { KtstrError } from '../errors.js';
import { EM_AARCH64, EM_X86_64 } from './elf.js';

export const DEFAULT_LD_SO_CACHE_PATH = '/etc/ld.so.cache';

export interface LdSoCacheEntry {
  /** Library name the loader looks up, e.g. "libc.so.6". */
  readonly name: string;
  /** Absolute path ldconfig found it at. */
  readonly path: string;
  /** ldconfig's flags: low byte the library type, high byte the architecture. */
  readonly flags: number;
  /** Non-zero for entries only valid on some CPUs (legacy hwcaps or glibc-hwcaps subdirectories). */
  readonly hwcap: bigint;
}

const MAGIC = 'glibc-ld.so.cache1.1';
const OLD_MAGIC = 'ld.so-1.7.0';
const HEADER_BYTES = 48;
const ENTRY_BYTES = 24;
const FLAGS_ENDIAN_BIG = 3;

const FLAG_TYPE_MASK = 0x00ff;
const FLAG_ELF_LIBC6 = 0x0003;
const FLAG_REQUIRED_MASK = 0xff00;
const FLAG_X8664_LIB64 = 0x0300;
const FLAG_AARCH64_LIB64 = 0x0a00;

/** Architecture flags ldconfig records for libraries of each ELF machine. */
const ARCH_FLAGS_BY_MACHINE: Readonly<Record<number, number>> = {
  [EM_X86_64]: FLAG_X8664_LIB64,
  [EM_AARCH64]: FLAG_AARCH64_LIB64,
};

/** Reads all entries of the cache file; a missing file is an empty cache, as for the loader. */
export function readLdSoCache(path: string = DEFAULT_LD_SO_CACHE_PATH): LdSoCacheEntry[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new KtstrError(path, (cause as NodeJS.ErrnoException).code, 'cannot be read as the ld.so cache', 'Check its permissions, or disable the cache lookup with ldSoCachePath: null.', { cause });
  }
  return parseLdSoCache(bytes, path);
}

/** Parses cache bytes; `file` names them in error messages. */
export function parseLdSoCache(bytes: Buffer, file: string): LdSoCacheEntry[] {
  const remedy = 'Regenerate it with `ldconfig` (glibc 2.32 or later writes the supported format), or disable the cache lookup with ldSoCachePath: null.';
  if (bytes.length < HEADER_BYTES || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    const start = bytes.toString('latin1', 0, Math.min(bytes.length, MAGIC.length));
    const problem = start.startsWith(OLD_MAGIC)
      ? 'is in the pre-glibc-2.32 "ld.so-1.7.0" format, which is not supported'
      : `is not an ld.so cache: it does not start with "${MAGIC}"`;
    throw new KtstrError(file, start, problem, remedy);
  }
  if (bytes[28] === FLAGS_ENDIAN_BIG) {
    throw new KtstrError(file, 'big-endian', 'is a big-endian ld.so cache, which is not supported', remedy);
  }
  const count = bytes.readUInt32LE(20);
  if (HEADER_BYTES + count * ENTRY_BYTES > bytes.length) {
    throw new KtstrError(file, `${bytes.length} bytes`, `is truncated: it announces ${count} entries`, remedy);
  }
  const stringAt = (offset: number): string => {
    if (offset >= bytes.length) {
      throw new KtstrError(file, offset, `has a string offset beyond the end of the file (${bytes.length} bytes)`, remedy);
    }
    const end = bytes.indexOf(0, offset);
    return bytes.toString('utf8', offset, end === -1 ? bytes.length : end);
  };
  const entries: LdSoCacheEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = HEADER_BYTES + i * ENTRY_BYTES;
    entries.push({
      flags: bytes.readInt32LE(at),
      name: stringAt(bytes.readUInt32LE(at + 4)),
      path: stringAt(bytes.readUInt32LE(at + 8)),
      hwcap: bytes.readBigUInt64LE(at + 16),
    });
  }
  return entries;
}

/**
 * Builds the name -> path lookup the loader performs for one ELF machine: only glibc
 * (libc6) libraries of that machine's architecture, first match in cache order, preferring
 * entries without hwcap requirements because the guest CPU may differ from the host's.
 */
export function ldSoCacheLookup(entries: readonly LdSoCacheEntry[], machine: number): Map<string, string> {
  const requiredArch = ARCH_FLAGS_BY_MACHINE[machine];
  const baseline = new Map<string, string>();
  const cpuSpecific = new Map<string, string>();
  for (const entry of entries) {
    if ((entry.flags & FLAG_TYPE_MASK) !== FLAG_ELF_LIBC6) continue;
    if (requiredArch !== undefined && (entry.flags & FLAG_REQUIRED_MASK) !== requiredArch) continue;
    const target = entry.hwcap === 0n ? baseline : cpuSpecific;
    if (!target.has(entry.name)) target.set(entry.name, entry.path);
  }
  for (const [name, path] of cpuSpecific) if (!baseline.has(name)) baseline.set(name, path);
  return baseline;
}
