/**
 * The initramfs a cell boots: a *base* archive (busybox, the guest agent as /init, the
 * scheduler and every shared library they need) compressed once with LZ4 and cached in
 * /dev/shm by content hash, followed by a small uncompressed *cell* archive with per-cell files.
 *
 * Why this order works: the kernel unpacks concatenated archives. Its legacy-LZ4 decoder has no
 * end marker of its own, so the base ends with a zero chunk-size word, which the decoder takes as
 * end of stream; the unpacker then skips zero padding and reads the next (cpio) archive.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CpioWriter } from './cpio.js';
import { compressLz4Legacy } from './lz4-legacy.js';
import { resolveSharedLibraries } from './closure.js';
import { guestAgentPath } from '../fixture.js';
import { SHM_DIR } from '../vm/teardown.js';

export interface HostFile {
  hostPath: string;
  /** Where it lands in the guest; default /bin/<basename> for executables given by path. */
  guestPath?: string;
}

export interface CellFile {
  guestPath: string;
  data: Buffer;
}

export interface GuestImageInput {
  scheduler?: string;
  includeFiles: readonly HostFile[];
  cellFiles: readonly CellFile[];
}

export interface GuestImage {
  initrd: Buffer;
  baseKey: string;
  baseCached: boolean;
  baseMs: number;
}

export const BUSYBOX = process.env.KTSTR_BUSYBOX ?? '/bin/busybox';
const BASE_PREFIX = 'ktstr-initramfs-';
/** Bump when the base layout changes, so old cache entries are never reused. */
const LAYOUT_VERSION = 'v1';
const KEEP_BASES = 8;

interface Entry {
  guestPath: string;
  hostPath: string;
  mode: number;
  /** Set for symlinks of the library closure (e.g. libfoo.so.1 -> libfoo.so.1.2.3). */
  symlinkTarget?: string;
}

let busyboxApplets: string[] | undefined;
function appletsOf(busybox: string): string[] {
  busyboxApplets ??= execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => /^[\w.[-]+$/.test(a));
  return busyboxApplets;
}

function baseEntries(input: GuestImageInput): Entry[] {
  const exec = 0o755;
  const entries: Entry[] = [
    { guestPath: '/init', hostPath: guestAgentPath(), mode: exec },
    { guestPath: '/bin/busybox', hostPath: BUSYBOX, mode: exec },
  ];
  const binaries: string[] = [];
  if (input.scheduler) {
    entries.push({ guestPath: `/bin/${basename(input.scheduler)}`, hostPath: input.scheduler, mode: exec });
    binaries.push(input.scheduler);
  }
  for (const f of input.includeFiles) {
    const mode = statSync(f.hostPath).mode & 0o777;
    entries.push({ guestPath: f.guestPath ?? `/bin/${basename(f.hostPath)}`, hostPath: f.hostPath, mode });
    if (mode & 0o111) binaries.push(f.hostPath);
  }
  for (const lib of resolveSharedLibraries(binaries)) {
    entries.push(lib.kind === 'symlink'
      ? { guestPath: lib.guestPath, hostPath: lib.hostPath, mode: 0o777, symlinkTarget: lib.target }
      : { guestPath: lib.guestPath, hostPath: lib.hostPath, mode: exec });
  }
  const seen = new Set<string>();
  return entries.filter((e) => !seen.has(e.guestPath) && seen.add(e.guestPath));
}

function keyOf(entries: readonly Entry[], contents: readonly Buffer[]): string {
  const h = createHash('sha256').update(LAYOUT_VERSION);
  entries.forEach((e, i) => h.update(`${e.guestPath}\0${e.mode}\0`).update(contents[i]!));
  return h.digest('hex').slice(0, 32);
}

function buildBaseArchive(entries: readonly Entry[], contents: readonly Buffer[]): Buffer {
  const w = new CpioWriter();
  for (const d of ['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/dev', '/proc', '/sys', '/tmp', '/run', '/ktstr', '/root']) w.dir(d);
  w.charDev('/dev/console', 5, 1);
  w.charDev('/dev/null', 1, 3, 0o666);
  entries.forEach((e, i) => {
    if (e.symlinkTarget !== undefined) w.symlink(e.guestPath, e.symlinkTarget);
    else w.file(e.guestPath, contents[i]!, e.mode);
  });
  for (const applet of appletsOf(BUSYBOX)) {
    const path = `/bin/${applet}`;
    if (!w.has(path) && applet !== 'busybox') w.symlink(path, '/bin/busybox');
  }
  const cpio = w.finish();
  const lz4 = compressLz4Legacy(cpio);
  // The zero word ends the LZ4 stream for the kernel; pad to 4 so the next archive is aligned.
  const pad = (4 - (lz4.length % 4)) % 4;
  return Buffer.concat([lz4, Buffer.alloc(pad + 4)]);
}

/** Returns the cached base for these inputs, building and caching it on a miss. */
export function baseImage(input: GuestImageInput): { data: Buffer; key: string; cached: boolean; ms: number } {
  const t0 = performance.now();
  const entries = baseEntries(input);
  const contents = entries.map((e) => (e.symlinkTarget !== undefined ? Buffer.from(e.symlinkTarget) : readFileSync(e.hostPath)));
  const key = keyOf(entries, contents);
  const path = join(SHM_DIR, `${BASE_PREFIX}${key}.img`);
  if (existsSync(path)) {
    const now = new Date();
    utimesSync(path, now, now); // recency for eviction
    return { data: readFileSync(path), key, cached: true, ms: performance.now() - t0 };
  }
  const data = buildBaseArchive(entries, contents);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path); // atomic: concurrent builders of the same key write identical bytes
  evictOldBases();
  return { data, key, cached: false, ms: performance.now() - t0 };
}

/** Keeps the most recently used bases; stale temporaries of dead writers go too. */
function evictOldBases(): void {
  const bases = readdirSync(SHM_DIR)
    .filter((n) => n.startsWith(BASE_PREFIX))
    .map((n) => ({ n, t: statSync(join(SHM_DIR, n)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { n } of bases.slice(KEEP_BASES)) rmSync(join(SHM_DIR, n), { force: true });
}

/** Removes every cached base archive; returns how many. */
export function cleanBaseImages(): number {
  const names = readdirSync(SHM_DIR).filter((n) => n.startsWith(BASE_PREFIX));
  for (const n of names) rmSync(join(SHM_DIR, n), { force: true });
  return names.length;
}

export function cellArchive(files: readonly CellFile[]): Buffer {
  const w = new CpioWriter();
  for (const f of files) w.file(f.guestPath, f.data, 0o644);
  return w.finish();
}

export function buildGuestImage(input: GuestImageInput): GuestImage {
  const base = baseImage(input);
  return { initrd: Buffer.concat([base.data, cellArchive(input.cellFiles)]), baseKey: base.key, baseCached: base.cached, baseMs: base.ms };
}
