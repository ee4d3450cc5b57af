/**
 * The shared-library closure of host binaries: every file the dynamic loader would open to
 * start them, so they can be copied into the guest's initramfs and run there.
 *
 * Each DT_NEEDED name is resolved the way glibc's loader (elf/dl-load.c, _dl_map_object)
 * does on Debian, in this order:
 *   1. DT_RPATH of the object that needs the library, then of the object that loaded that
 *      one, up to the executable — only if the needing object has no DT_RUNPATH, and an
 *      object's DT_RPATH is ignored when it has a DT_RUNPATH of its own;
 *   2. LD_LIBRARY_PATH (an option here, empty by default: the host's environment of the
 *      moment must not leak into the guest image);
 *   3. DT_RUNPATH of the needing object only (not inherited);
 *   4. /etc/ld.so.cache;
 *   5. the system directories: on Debian /lib/<triplet>, /usr/lib/<triplet>, /lib, /usr/lib
 *      (`ld.so --help` lists them; there is no /lib64 in the list, which only holds the
 *      program interpreter).
 * Dependencies are loaded breadth first and a name already satisfied in the process (by a
 * requested name or a DT_SONAME) is not searched again, as in glibc. $ORIGIN, $LIB and
 * $PLATFORM are expanded; $ORIGIN of the executable is the directory of its real path
 * (the kernel's /proc/self/exe), of a library the directory it was found in. A candidate
 * that is not a 64-bit shared object of the executable's machine is skipped, as the loader
 * does (e.g. a 32-bit library earlier in the path).
 * Not modelled: glibc-hwcaps and legacy hwcap subdirectories (the guest CPU may differ from
 * the host's, so the baseline build is the safe choice), LD_PRELOAD, /etc/ld.so.preload,
 * secure-execution restrictions, dlopen() at run time.
 *
 * Placement: each library is reported at its real host path as a file, and every symlink
 * met on the way from the looked-up path to the real path (a library's version link such as
 * libz.so.1 -> libz.so.1.3, or a merged-/usr directory link such as /lib -> usr/lib) as a
 * symlink with the host's link text. Recreated in the guest, every path the loader tries
 * resolves there as it does on the host, and each library's bytes are stored once.
 * The binaries themselves are not part of the closure; $ORIGIN-relative libraries are found
 * in the guest only if each binary is placed at its host real path.
 */
import { lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { KtstrError } from '../errors.js';
import { type ElfInfo, elfMachineName, EM_AARCH64, EM_RISCV, EM_X86_64, readElfFile } from './elf.js';
import { DEFAULT_LD_SO_CACHE_PATH, ldSoCacheLookup, readLdSoCache, type LdSoCacheEntry } from './ld-so-cache.js';

/** A file of the closure: copy the bytes at `hostPath` to `guestPath` (the same path). */
export interface SharedLibraryFile {
  readonly kind: 'file';
  readonly guestPath: string;
  readonly hostPath: string;
}

/** A symlink of the closure: `hostPath` is a symlink on the host; recreate it at `guestPath` with text `target`. */
export interface SharedLibrarySymlink {
  readonly kind: 'symlink';
  readonly guestPath: string;
  readonly hostPath: string;
  /** The link text exactly as on the host (relative or absolute). */
  readonly target: string;
}

export type SharedLibraryEntry = SharedLibraryFile | SharedLibrarySymlink;

export interface SharedLibraryOptions {
  /** Directories searched like LD_LIBRARY_PATH (after DT_RPATH, before DT_RUNPATH). Default: none. */
  ldLibraryPath?: readonly string[];
  /** The loader's cache file; null skips the cache step. Default /etc/ld.so.cache. */
  ldSoCachePath?: string | null;
  /** The loader's built-in directories. Default: Debian's list for the binary's machine. */
  systemDirs?: readonly string[];
}

export interface UnresolvedLibrary {
  /** The DT_NEEDED name (or PT_INTERP path) that could not be found. */
  readonly library: string;
  /** The object whose DT_NEEDED (or PT_INTERP) names it. */
  readonly neededBy: string;
  /** The binary passed in whose closure needed it. */
  readonly binary: string;
  /** Directories searched in order (the cache file appears where it was consulted). */
  readonly searched: readonly string[];
  /** Files found under the right name but unusable, with the reason. */
  readonly rejected: readonly string[];
}

/** Thrown when some libraries cannot be found; lists every one of them, not just the first. */
export class UnresolvedLibrariesError extends KtstrError {
  readonly unresolved: readonly UnresolvedLibrary[];

  constructor(unresolved: readonly UnresolvedLibrary[]) {
    const lines = unresolved.map((u) => {
      const by = u.neededBy === u.binary ? u.neededBy : `${u.neededBy} (loaded for ${u.binary})`;
      const where = u.searched.length > 0 ? `; searched ${u.searched.join(', ')}` : '';
      const rejected = u.rejected.length > 0 ? `; skipped ${u.rejected.join('; ')}` : '';
      return `\n  - ${u.library}, needed by ${by}${where}${rejected}`;
    });
    super(
      'shared libraries',
      unresolved.map((u) => `${u.library} (needed by ${u.neededBy})`),
      'cannot all be found',
      'Install the packages that provide them, rebuild the binary with a DT_RUNPATH that points at them, or pass their directories in ldLibraryPath.',
    );
    this.message += `\nWhere each was looked for:${lines.join('')}`;
    this.name = 'UnresolvedLibrariesError';
    this.unresolved = unresolved;
  }
}

/** Multiarch triplet and $PLATFORM value per ELF machine, as Debian's glibc uses them. */
const MACHINE_LAYOUT: Readonly<Record<number, { triplet: string; platform: string }>> = {
  [EM_X86_64]: { triplet: 'x86_64-linux-gnu', platform: 'x86_64' },
  [EM_AARCH64]: { triplet: 'aarch64-linux-gnu', platform: 'aarch64' },
  [EM_RISCV]: { triplet: 'riscv64-linux-gnu', platform: 'riscv64' },
};

/** Debian's built-in library directories for a machine (glibc's SYSTEM_DIRS). */
export function debianSystemLibraryDirs(machine: number): string[] {
  const layout = MACHINE_LAYOUT[machine];
  return layout === undefined ? ['/lib', '/usr/lib'] : [`/lib/${layout.triplet}`, `/usr/lib/${layout.triplet}`, '/lib', '/usr/lib'];
}

/** Most symlinks followed while resolving one path, as Linux's MAXSYMLINKS. */
const MAX_SYMLINK_HOPS = 40;

interface LoadedObject {
  /** The path the object was opened at (not resolved through symlinks). */
  readonly path: string;
  readonly info: ElfInfo;
  /** Value of $ORIGIN for this object's paths. */
  readonly origin: string;
  /** The object whose DT_NEEDED caused this one to load; null for the executable and the interpreter. */
  readonly loader: LoadedObject | null;
  /** Names this object satisfies: names it was requested by, its DT_SONAME and its path. */
  readonly names: Set<string>;
}

type Candidate = { usable: true; info: ElfInfo } | { usable: false; reason: string | null };

/**
 * Returns the sorted, de-duplicated files and symlinks needed to run `binaries`, excluding
 * the binaries themselves. Throws {@link UnresolvedLibrariesError} listing every library
 * that cannot be found; throws a KtstrError naming the file if a binary is not a 64-bit
 * little-endian ELF file.
 */
export function resolveSharedLibraries(binaries: readonly string[], options: SharedLibraryOptions = {}): SharedLibraryEntry[] {
  const resolver = new ClosureResolver(options);
  for (const binary of binaries) resolver.addBinary(binary);
  if (resolver.unresolved.length > 0) throw new UnresolvedLibrariesError(resolver.unresolved);
  return [...resolver.entries.values()].sort((a, b) => (a.guestPath < b.guestPath ? -1 : a.guestPath > b.guestPath ? 1 : 0));
}

class ClosureResolver {
  readonly entries = new Map<string, SharedLibraryEntry>();
  readonly unresolved: UnresolvedLibrary[] = [];
  private readonly unresolvedKeys = new Set<string>();
  private readonly candidates = new Map<string, Candidate>();
  private readonly cacheLookups = new Map<number, Map<string, string>>();
  private cacheEntries: LdSoCacheEntry[] | undefined;

  constructor(private readonly options: SharedLibraryOptions) {}

  addBinary(binary: string): void {
    const binaryPath = resolvePath(binary);
    const info = readElfFile(binaryPath);
    if (info.isStatic) return;
    const executable: LoadedObject = {
      path: binaryPath,
      info,
      origin: dirname(realpathSync(binaryPath)),
      loader: null,
      names: new Set([binaryPath]),
    };
    if (info.soname !== null) executable.names.add(info.soname);
    const loaded: LoadedObject[] = [executable];

    if (info.interpreter !== null) {
      const interpreterPath = resolvePath(info.interpreter);
      const candidate = this.examine(interpreterPath, info.machine);
      if (candidate.usable) {
        this.place(interpreterPath);
        const names = new Set([interpreterPath, info.interpreter]);
        if (candidate.info.soname !== null) names.add(candidate.info.soname);
        loaded.push({ path: interpreterPath, info: candidate.info, origin: dirname(interpreterPath), loader: null, names });
      } else {
        this.recordUnresolved({
          library: info.interpreter,
          neededBy: binaryPath,
          binary: binaryPath,
          searched: [],
          rejected: candidate.reason === null ? [] : [candidate.reason],
        });
      }
    }

    // Breadth first, like _dl_map_object_deps: the order decides which object is the
    // "loader" of each library, and so whose DT_RPATH applies further down.
    for (let next = 0; next < loaded.length; next++) {
      const requester = loaded[next]!;
      for (const name of requester.info.needed) {
        if (loaded.some((object) => object.names.has(name))) continue;
        const found = this.search(name, requester, executable);
        if (found.path === null) {
          this.recordUnresolved({ library: name, neededBy: requester.path, binary: binaryPath, searched: found.searched, rejected: found.rejected });
          continue;
        }
        this.place(found.path);
        const names = new Set([name, found.path]);
        if (found.info.soname !== null) names.add(found.info.soname);
        loaded.push({ path: found.path, info: found.info, origin: dirname(found.path), loader: requester, names });
      }
    }
  }

  private search(
    name: string,
    requester: LoadedObject,
    executable: LoadedObject,
  ): { path: string; info: ElfInfo; searched: string[]; rejected: string[] } | { path: null; searched: string[]; rejected: string[] } {
    const machine = executable.info.machine;
    const searched: string[] = [];
    const rejected: string[] = [];
    const tryPath = (path: string): ElfInfo | null => {
      const candidate = this.examine(path, machine);
      if (candidate.usable) return candidate.info;
      if (candidate.reason !== null) rejected.push(candidate.reason);
      return null;
    };
    const tryDirs = (dirs: readonly string[]): { path: string; info: ElfInfo } | null => {
      for (const dir of dirs) {
        searched.push(dir);
        const path = join(dir, name);
        const info = tryPath(path);
        if (info !== null) return { path, info };
      }
      return null;
    };

    if (name.includes('/')) {
      // A name with a slash is a path, opened as is (relative to the working directory).
      const path = resolvePath(expandDynamicStringTokens(name, requester.origin, machine));
      const info = tryPath(path);
      return info === null ? { path: null, searched, rejected } : { path, info, searched, rejected };
    }

    const found =
      this.searchRpathChain(requester, executable, tryDirs) ??
      tryDirs(this.expandDirs(this.options.ldLibraryPath ?? [], executable.origin, machine)) ??
      (requester.info.runpath !== null ? tryDirs(this.expandDirs(requester.info.runpath, requester.origin, machine)) : null) ??
      this.searchCache(name, machine, searched, tryPath) ??
      tryDirs(this.options.systemDirs ?? debianSystemLibraryDirs(machine));
    return found === null ? { path: null, searched, rejected } : { ...found, searched, rejected };
  }

  private searchRpathChain(
    requester: LoadedObject,
    executable: LoadedObject,
    tryDirs: (dirs: readonly string[]) => { path: string; info: ElfInfo } | null,
  ): { path: string; info: ElfInfo } | null {
    if (requester.info.runpath !== null) return null;
    const machine = executable.info.machine;
    let visitedExecutable = false;
    for (let object: LoadedObject | null = requester; object !== null; object = object.loader) {
      visitedExecutable ||= object === executable;
      const rpath = effectiveRpath(object.info);
      if (rpath === null) continue;
      const found = tryDirs(this.expandDirs(rpath, object.origin, machine));
      if (found !== null) return found;
    }
    const executableRpath = effectiveRpath(executable.info);
    if (!visitedExecutable && executableRpath !== null) {
      return tryDirs(this.expandDirs(executableRpath, executable.origin, machine));
    }
    return null;
  }

  private searchCache(name: string, machine: number, searched: string[], tryPath: (path: string) => ElfInfo | null): { path: string; info: ElfInfo } | null {
    const cachePath = this.options.ldSoCachePath === undefined ? DEFAULT_LD_SO_CACHE_PATH : this.options.ldSoCachePath;
    if (cachePath === null) return null;
    searched.push(cachePath);
    let lookup = this.cacheLookups.get(machine);
    if (lookup === undefined) {
      this.cacheEntries ??= readLdSoCache(cachePath);
      lookup = ldSoCacheLookup(this.cacheEntries, machine);
      this.cacheLookups.set(machine, lookup);
    }
    const path = lookup.get(name);
    if (path === undefined) return null;
    const info = tryPath(path);
    return info === null ? null : { path, info };
  }

  private expandDirs(dirs: readonly string[], origin: string, machine: number): string[] {
    return dirs.map((dir) => resolvePath(expandDynamicStringTokens(dir, origin, machine)));
  }

  /** Whether the loader would accept `path` as a library for `machine`; null reason = not there at all. */
  private examine(path: string, machine: number): Candidate {
    const key = `${machine}:${path}`;
    const cached = this.candidates.get(key);
    if (cached !== undefined) return cached;
    const candidate = examineCandidate(path, machine);
    this.candidates.set(key, candidate);
    return candidate;
  }

  /** Records the real file behind `lookupPath` and every symlink on the way to it. */
  private place(lookupPath: string): void {
    const realPath = resolveRecordingSymlinks(lookupPath, (linkPath, target) => {
      this.entries.set(linkPath, { kind: 'symlink', guestPath: linkPath, hostPath: linkPath, target });
    });
    this.entries.set(realPath, { kind: 'file', guestPath: realPath, hostPath: realPath });
  }

  private recordUnresolved(entry: UnresolvedLibrary): void {
    const key = `${entry.library}\0${entry.neededBy}`;
    if (this.unresolvedKeys.has(key)) return;
    this.unresolvedKeys.add(key);
    this.unresolved.push(entry);
  }
}

/** An object's DT_RPATH as the loader sees it: ignored when the object also has DT_RUNPATH. */
function effectiveRpath(info: ElfInfo): readonly string[] | null {
  return info.runpath === null ? info.rpath : null;
}

function examineCandidate(path: string, machine: number): Candidate {
  try {
    if (!statSync(path).isFile()) return { usable: false, reason: `${path} (not a regular file)` };
  } catch {
    return { usable: false, reason: null };
  }
  let info: ElfInfo;
  try {
    info = readElfFile(path);
  } catch (error) {
    return { usable: false, reason: `${path} (${problemOf(error)})` };
  }
  if (info.machine !== machine) {
    return { usable: false, reason: `${path} (built for ${info.machineName}, not ${elfMachineName(machine)})` };
  }
  if (info.type !== 'shared-object') {
    return { usable: false, reason: `${path} (an ELF ${info.type}, not a shared object)` };
  }
  return { usable: true, info };
}

/** The problem part of an error message, without the file name it starts with and the remedy. */
function problemOf(error: unknown): string {
  if (!(error instanceof KtstrError)) return String((error as Error)?.message ?? error);
  const withoutField = error.message.slice(error.field.length + 2);
  return withoutField.endsWith(error.remedy) ? withoutField.slice(0, -error.remedy.length).trim().replace(/\.$/, '') : withoutField;
}

/** Expands $ORIGIN, $LIB and $PLATFORM (also written ${...}) as glibc's _dl_dst_substitute does. */
export function expandDynamicStringTokens(path: string, origin: string, machine: number): string {
  const layout = MACHINE_LAYOUT[machine];
  return path.replace(/\$(?:\{(ORIGIN|LIB|PLATFORM)\}|(ORIGIN|LIB|PLATFORM)(?![A-Za-z0-9_]))/g, (match, braced?: string, bare?: string) => {
    switch (braced ?? bare) {
      case 'ORIGIN': return origin;
      case 'LIB': return layout === undefined ? match : `lib/${layout.triplet}`;
      case 'PLATFORM': return layout === undefined ? match : layout.platform;
      default: return match;
    }
  });
}

/**
 * Resolves an absolute path component by component like the kernel does, calling
 * `onSymlink(linkPath, linkText)` for every symlink met (with its parent already resolved),
 * and returns the real path.
 */
function resolveRecordingSymlinks(path: string, onSymlink: (linkPath: string, target: string) => void): string {
  const pending = path.split('/');
  let resolved = '/';
  let hops = 0;
  while (pending.length > 0) {
    const component = pending.shift()!;
    if (component === '' || component === '.') continue;
    if (component === '..') {
      resolved = dirname(resolved);
      continue;
    }
    const next = join(resolved, component);
    if (!lstatSync(next).isSymbolicLink()) {
      resolved = next;
      continue;
    }
    if (++hops > MAX_SYMLINK_HOPS) {
      throw new KtstrError(path, `${MAX_SYMLINK_HOPS} symlinks`, 'cannot be resolved: too many levels of symbolic links', 'Fix the symlink loop on the host.');
    }
    const target = readlinkSync(next);
    onSymlink(next, target);
    if (isAbsolute(target)) resolved = '/';
    pending.unshift(...target.split('/'));
  }
  return resolved;
}
