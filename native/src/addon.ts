import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { addonPath, buildAddon } from './addon-build.js';
import { isCheckout } from './paths.js';

export { addonPath };

export type FlockMode = 'shared' | 'exclusive';

/** The functions the C++ addon exports (native/addon/src). */
interface NativeAddon {
  flock(fd: number, mode: FlockMode, wait: boolean): boolean;
  funlock(fd: number): void;
  setAffinity(pid: number, cpus: number[]): void;
  getAffinity(pid: number): number[];
  mapFileReadOnly(path: string, offset: bigint | number, length: number): Buffer;
  mapFileShared(path: string, offset: bigint | number, length: number, writable: boolean): Buffer;
}

let loaded: NativeAddon | undefined;

// Loaded on first use rather than at import, so that code which only needs `nativeArtifacts`
// (or type information) keeps working before the addon has been compiled. Installed from npm,
// the first use builds it (into the cache), so `npm install` alone is enough to start; in a
// checkout the bootstrap builds it and a missing one is an error naming the command.
function addon(): NativeAddon {
  if (loaded) return loaded;
  if (!existsSync(addonPath)) {
    if (isCheckout) {
      throw new Error(
        `The ktstr native addon is not built (${addonPath} is missing). ` +
          'Run `npm run bootstrap` (or `npm run build:addon -w @ktstr/native`) from the repository root (needs cmake and a C++ compiler).',
      );
    }
    buildAddon();
  }
  const require = createRequire(import.meta.url);
  loaded = require(addonPath) as NativeAddon;
  return loaded;
}

/** True when the compiled addon is present, i.e. the functions below can be called. */
export function isAddonBuilt(): boolean {
  return existsSync(addonPath);
}

/**
 * Takes a flock(2) on `fd` in `mode`. With `wait` false, returns false at once if a conflicting lock
 * is held (by another open file description, even in the same process); with `wait` true, blocks
 * the whole JS thread until granted, so prefer polling with `wait: false` for anything that can be
 * held for long. The lock disappears when every descriptor sharing the open file description is
 * closed, including when the process dies. Failures throw Node-style system errors (`code`,
 * `errno`, `syscall`, `path`).
 */
export function flock(fd: number, mode: FlockMode, wait: boolean): boolean {
  return addon().flock(fd, mode, wait);
}

/** Drops the flock held through `fd`. Closing the descriptor has the same effect. */
export function funlock(fd: number): void {
  addon().funlock(fd);
}

/**
 * Restricts a thread (or, for a single-threaded process, the process) to `cpus`. `pid` 0 means the
 * calling thread. Affinity is per thread on Linux: pinning a VM's vCPUs means calling this with
 * each vCPU thread id. Throws EINVAL when none of `cpus` is online and allowed by the target's
 * cpuset.
 */
export function setAffinity(pid: number, cpus: readonly number[]): void {
  addon().setAffinity(pid, [...cpus]);
}

/** The CPUs a thread may run on, ascending. `pid` 0 means the calling thread. */
export function getAffinity(pid: number): number[] {
  return addon().getAffinity(pid);
}

/**
 * Maps `length` bytes of the file at `path` from `offset` (a multiple of the page size) with
 * mmap(PROT_READ, MAP_SHARED) and returns them as a Buffer without copying. Writes to the file by
 * other processes (a running guest writing its RAM) show through immediately. The mapping is
 * removed when the Buffer is garbage collected.
 *
 * The memory is read-only at the hardware level: writing to the Buffer (index assignment, fill,
 * write*, set, or using it as a copy target) kills the process with SIGSEGV. The return type is
 * `Readonly<Buffer>` so the compiler rejects index assignment; the methods cannot be fenced off.
 * The range must lie inside the file when mapped; if the file is later truncated below it, reading
 * the cut-off part raises SIGBUS.
 */
export function mapFileReadOnly(path: string, offset: bigint | number, length: number): Readonly<Buffer> {
  return addon().mapFileReadOnly(path, offset, length);
}

/**
 * Maps `length` bytes of the regular file at `path` from `offset` (a multiple of the page size)
 * with mmap(MAP_SHARED) and returns them as a Buffer without copying; with `writable` the mapping
 * is PROT_READ | PROT_WRITE (the file is opened O_RDWR), so writes through the Buffer reach the
 * file, and a running guest whose RAM it is, at once. Without `writable` it is the same as
 * `mapFileReadOnly`. The range must lie inside the file; the mapping goes when the Buffer is
 * garbage collected. Used by the monitor's guest memory (core/src/monitor/guest-mem.ts).
 */
export function mapFileShared(path: string, offset: bigint | number, length: number, writable: boolean): Buffer {
  return addon().mapFileShared(path, offset, length, writable);
}
