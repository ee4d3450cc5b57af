/**
 * The initramfs every cell boots: busybox and the guest agent as /init, and nothing that varies
 * per cell. It is the same for every test, so it is built and LZ4-compressed once, cached under
 * <cache>/initramfs/ by content hash, and can sit inside a post-boot snapshot that serves any
 * scheduler. (On disk rather than in /dev/shm: with snapshots QEMU reads it only at a cold boot,
 * where the page cache serves it as fast, and it survives reboots.)
 * What varies per cell (scheduler, its libraries, injected files) is sent to the agent over the
 * channel afterwards (cell-payload.ts) rather than in a second archive, because a snapshot's
 * initramfs is fixed at boot.
 *
 * The base ends with a zero chunk-size word: the kernel's legacy-LZ4 decoder has no end marker
 * of its own and takes that word as end of stream, so further archives could still be appended
 * (the unpacker skips zero padding and reads the next one).
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CpioWriter } from './cpio.js';
import { compressLz4Legacy } from './lz4-legacy.js';
import { guestAgentPath } from '../fixture.js';
import { cacheRoot } from '../paths.js';
import { memoByIdentity } from '../snapshot/identity-memo.js';

export interface BaseImage {
  /** The image file in the cache: QEMU reads it directly. */
  path: string;
  /** Content hash of everything in the base: part of the snapshot key. */
  key: string;
  cached: boolean;
  ms: number;
}

export const BUSYBOX = process.env.KTSTR_BUSYBOX ?? '/bin/busybox';
const BASE_PREFIX = 'base-';
const initramfsDir = (): string => join(cacheRoot(), 'initramfs');
/** Bump when the base layout changes, so old cache entries are never reused. */
const LAYOUT_VERSION = 'v2';
const KEEP_BASES = 4;

let busyboxApplets: string[] | undefined;
function appletsOf(busybox: string): string[] {
  busyboxApplets ??= execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => /^[\w.[-]+$/.test(a));
  return busyboxApplets;
}

function buildBaseArchive(agent: Buffer, busybox: Buffer): Buffer {
  const w = new CpioWriter();
  for (const d of ['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/dev', '/proc', '/sys', '/tmp', '/run', '/ktstr', '/root']) w.dir(d);
  w.charDev('/dev/console', 5, 1);
  w.charDev('/dev/null', 1, 3, 0o666);
  w.file('/init', agent, 0o755);
  w.file('/bin/busybox', busybox, 0o755);
  for (const applet of appletsOf(BUSYBOX)) {
    if (applet !== 'busybox') w.symlink(`/bin/${applet}`, '/bin/busybox');
  }
  const lz4 = compressLz4Legacy(w.finish());
  // The zero word ends the LZ4 stream for the kernel; pad to 4 so the next archive is aligned.
  const pad = (4 - (lz4.length % 4)) % 4;
  return Buffer.concat([lz4, Buffer.alloc(pad + 4)]);
}

/** Content keys of the inputs, remembered per file identity so a warm lookup hashes nothing. */
/** Remembered on disk by the files' identity, so a new process's first cell does not hash them again. */
function inputsKey(agentPath: string, busyboxPath: string): string {
  return memoByIdentity(`base-${LAYOUT_VERSION}`, [agentPath, busyboxPath], () =>
    createHash('sha256').update(LAYOUT_VERSION).update(readFileSync(agentPath)).update('\0').update(readFileSync(busyboxPath)).digest('hex').slice(0, 32));
}

/**
 * The binaries of a base: the host's agent and busybox unless given (an aarch64 guest's come
 * from aarch64-guest.ts; the applet list is always the host busybox's, the same package version).
 */
export interface BaseInputs {
  agentPath: string;
  busyboxPath: string;
}

/** Returns the cached base, building and caching it on a miss. */
export function baseImage(inputs?: BaseInputs): BaseImage {
  const t0 = performance.now();
  const agentPath = inputs?.agentPath ?? guestAgentPath();
  const busyboxPath = inputs?.busyboxPath ?? BUSYBOX;
  const key = inputsKey(agentPath, busyboxPath);
  mkdirSync(initramfsDir(), { recursive: true });
  const path = join(initramfsDir(), `${BASE_PREFIX}${key}.img`);
  if (existsSync(path)) {
    const now = new Date();
    utimesSync(path, now, now); // recency for eviction
    return { path, key, cached: true, ms: performance.now() - t0 };
  }
  const data = buildBaseArchive(readFileSync(agentPath), readFileSync(busyboxPath));
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path); // atomic: concurrent builders of the same key write identical bytes
  evictOldBases();
  return { path, key, cached: false, ms: performance.now() - t0 };
}

/** Keeps the most recently used bases. */
function evictOldBases(): void {
  const dir = initramfsDir();
  const bases = readdirSync(dir)
    .filter((n) => n.startsWith(BASE_PREFIX))
    .map((n) => ({ n, t: statSync(join(dir, n)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { n } of bases.slice(KEEP_BASES)) rmSync(join(dir, n), { force: true });
}

/** Removes every cached base archive; returns how many. */
export function cleanBaseImages(): number {
  const dir = initramfsDir();
  if (!existsSync(dir)) return 0;
  const names = readdirSync(dir).filter((n) => n.startsWith(BASE_PREFIX));
  for (const n of names) rmSync(join(dir, n), { force: true });
  return names.length;
}
