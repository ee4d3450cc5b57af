/**
 * Holder records: who holds a lock, kept in a sidecar file `<lock>.holder` next to the lock file.
 *
 * flock(2) can say whether a lock is held but not by whom, so every holder writes a record after it
 * has the lock and removes it on release. The records are diagnostics (for "waiting for lock X held
 * by pid N" and `ktstr locks`), never part of the locking itself: the flock on the lock file is the
 * only source of truth. A holder that dies without releasing leaves its record behind, so readers
 * keep only records whose process is still alive.
 *
 * Shared locks have several holders at once, so the sidecar holds a list, updated
 * read-modify-write under a short flock on the sidecar file itself.
 */
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { flock, type FlockMode } from '@ktstr/native';
import { isZombie } from '../host/owner-pid.js';
import { procStatFields } from '../host/proc-stat.js';

export interface LockHolder {
  /** Holder's process id. */
  pid: number;
  /**
   * The process's start time (clock ticks after boot, /proc/<pid>/stat field 22). Together with
   * the pid it identifies the process, so a record left by a dead process is not mistaken for a
   * live one when its pid is reused.
   */
  startTime?: number;
  /** The holder's command line, for humans. */
  command: string;
  /** What the lock was taken for, as given to acquireLock. */
  purpose: string;
  mode: FlockMode;
  /** ISO 8601 time the lock was granted. */
  acquiredAt: string;
  /** Identifies one acquisition; one process can hold the same shared lock more than once. */
  id: string;
}

interface SidecarFile {
  holders: LockHolder[];
}

export function holderPath(lockPath: string): string {
  return `${lockPath}.holder`;
}

/** The record describing the current process taking a lock now. */
export function currentHolder(mode: FlockMode, purpose: string): LockHolder {
  const startTime = processStartTime(process.pid);
  return {
    pid: process.pid,
    ...(startTime === undefined ? {} : { startTime }),
    command: ownCommandLine(),
    purpose,
    mode,
    acquiredAt: new Date().toISOString(),
    id: randomUUID(),
  };
}

/** Adds `holder` to the lock's sidecar, dropping records of processes that have died. */
export function addHolder(lockPath: string, holder: LockHolder): void {
  updateSidecar(lockPath, (holders) => [...holders.filter(isHolderAlive), holder]);
}

export function removeHolder(lockPath: string, id: string): void {
  updateSidecar(lockPath, (holders) => holders.filter((h) => h.id !== id && isHolderAlive(h)));
}

/**
 * Holders recorded for the lock whose processes are still alive. Empty when there is no sidecar or
 * it cannot be read. Consult it only while flock says the lock is held: a record whose removal
 * failed stays "alive" for as long as its process runs, even after the lock was released.
 */
export function readHolders(lockPath: string): LockHolder[] {
  let fd: number;
  try {
    fd = openSync(holderPath(lockPath), constants.O_RDONLY);
  } catch {
    return [];
  }
  try {
    lockSidecar(fd, 'shared');
    return parseSidecar(readAll(fd)).filter(isHolderAlive);
  } catch {
    return [];
  } finally {
    closeSync(fd);
  }
}

/** Whether the process that wrote `holder` is still running. */
export function isHolderAlive(holder: LockHolder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // An exited process not yet reaped holds no lock any more.
  if (isZombie(holder.pid)) return false;
  if (holder.startTime !== undefined) {
    const now = processStartTime(holder.pid);
    if (now !== undefined && now !== holder.startTime) return false;
  }
  return true;
}

/** "pid 1234 (node cli/dist/bin.js test) for "build kernel 6.12", since 2025-01-01T12:00:00.000Z" */
export function describeHolder(holder: LockHolder): string {
  return `pid ${holder.pid} (${truncate(holder.command, 160)}) for "${holder.purpose}", ${holder.mode}, since ${holder.acquiredAt}`;
}

function updateSidecar(lockPath: string, update: (holders: LockHolder[]) => LockHolder[]): void {
  const fd = openSync(holderPath(lockPath), constants.O_RDWR | constants.O_CREAT, 0o666);
  try {
    lockSidecar(fd, 'exclusive');
    const next: SidecarFile = { holders: update(parseSidecar(readAll(fd))) };
    // Rewritten in place (not replaced by rename) because the flock above lives on this inode.
    ftruncateSync(fd, 0);
    writeSync(fd, `${JSON.stringify(next, null, 2)}\n`, 0);
  } finally {
    closeSync(fd);
  }
}

const SIDECAR_LOCK_TRIES = 200;
const SIDECAR_LOCK_SLEEP_MS = 5;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Serialises sidecar updates. Holders keep this flock only for one small read and write, so it is
 * taken by polling synchronously (release() must work synchronously, e.g. from an exit path)
 * with a bound: a sidecar lock stuck for a second means a stopped process (SIGSTOP, debugger),
 * and then proceeding unlocked risks at worst a lost or garbled diagnostic record, which is better
 * than hanging the lock's real user.
 */
function lockSidecar(fd: number, mode: FlockMode): void {
  for (let i = 0; i < SIDECAR_LOCK_TRIES; i++) {
    if (flock(fd, mode, false)) return;
    Atomics.wait(sleepCell, 0, 0, SIDECAR_LOCK_SLEEP_MS);
  }
}

function readAll(fd: number): string {
  const size = fstatSync(fd).size;
  const buf = Buffer.alloc(size);
  let off = 0;
  while (off < size) {
    const n = readSync(fd, buf, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off).toString('utf8');
}

function parseSidecar(text: string): LockHolder[] {
  if (text.trim() === '') return [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // A sidecar written without its flock (see lockSidecar) may be torn; treat it as unknown.
    return [];
  }
  const holders = (data as Partial<SidecarFile> | null)?.holders;
  return Array.isArray(holders) ? holders.filter(isHolderRecord) : [];
}

function isHolderRecord(value: unknown): value is LockHolder {
  if (typeof value !== 'object' || value === null) return false;
  const h = value as Record<string, unknown>;
  return (
    Number.isInteger(h.pid) &&
    (h.startTime === undefined || Number.isInteger(h.startTime)) &&
    typeof h.command === 'string' &&
    typeof h.purpose === 'string' &&
    (h.mode === 'shared' || h.mode === 'exclusive') &&
    typeof h.acquiredAt === 'string' &&
    typeof h.id === 'string'
  );
}

function processStartTime(pid: number): number | undefined {
  const value = Number(procStatFields(pid)?.[19]); // field 22
  return Number.isSafeInteger(value) ? value : undefined;
}

let cachedCommandLine: string | undefined;

function ownCommandLine(): string {
  if (cachedCommandLine !== undefined) return cachedCommandLine;
  let argv: string[];
  try {
    argv = readFileSync('/proc/self/cmdline', 'utf8').split('\0').filter((a) => a !== '');
  } catch {
    argv = [process.argv0, ...process.execArgv, ...process.argv.slice(1)];
  }
  // Capped because `node -e <script>` puts a whole program on the command line.
  cachedCommandLine = truncate(argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' '), 1000);
  return cachedCommandLine;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
