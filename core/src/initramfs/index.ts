/**
 * Building blocks of the guest's initramfs: a cpio "newc" writer, the LZ4 legacy framing
 * the kernel decompresses, and the shared-library closure (with its ELF and ld.so.cache
 * readers) that decides which host files a binary needs in the guest.
 */
export {
  CPIO_HEADER_BYTES,
  CPIO_NEWC_MAGIC,
  CPIO_TRAILER_NAME,
  CpioWriter,
  type CpioWriterOptions,
  DEFAULT_CHAR_DEV_MODE,
  DEFAULT_DIR_MODE,
  DEFAULT_FILE_MODE,
} from './cpio.js';
export {
  compressLz4Legacy,
  compressLz4LegacyAsync,
  decompressLz4Legacy,
  LZ4_LEGACY_CHUNK_BYTES,
  LZ4_LEGACY_MAGIC,
  LZ4_LEGACY_MAX_BLOCK_BYTES,
} from './lz4-legacy.js';
export {
  EM_386,
  EM_AARCH64,
  EM_ARM,
  EM_RISCV,
  EM_X86_64,
  type ElfFileType,
  type ElfInfo,
  elfMachineName,
  parseElf,
  readElfFile,
} from './elf.js';
export { DEFAULT_LD_SO_CACHE_PATH, type LdSoCacheEntry, ldSoCacheLookup, parseLdSoCache, readLdSoCache } from './ld-so-cache.js';
export {
  debianSystemLibraryDirs,
  expandDynamicStringTokens,
  resolveSharedLibraries,
  type SharedLibraryEntry,
  type SharedLibraryFile,
  type SharedLibraryOptions,
  type SharedLibrarySymlink,
  type UnresolvedLibrary,
  UnresolvedLibrariesError,
} from './closure.js';
