/**
 * Inter-process locks on files (flock(2)), with holder records for diagnostics.
 *
 * Used to serialise work on shared state between concurrent ktstr processes (kernel and initramfs
 * caches, VM resources). flock locks vanish when their holder dies, however it dies, so a crashed
 * or SIGKILLed run never leaves a stale lock behind; there is no lock-breaking logic because none
 * is needed.
 *
 * Lock files are created on demand and never deleted: unlinking a lock file while another process
 * has it open (or is about to flock it) would let two processes "hold" the same path on different
 * inodes.
 */
import { closeSync, constants, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { flock, funlock, type FlockMode } from '@ktstr/native';
import { KtstrError } from '../errors.js';
import { addHolder, currentHolder, describeHolder, readHolders, removeHolder, type LockHolder } from './holder.js';

export type LockMode = FlockMode;

export interface AcquireLockOptions {
  /** 'shared' for readers that may overlap, 'exclusive' for writers. */
  mode: LockMode;
  /** false: fail at once with LockBusyError if the lock is held in a conflicting mode. */
  wait: boolean;
  /** With `wait`, give up with LockTimeoutError after this many milliseconds. Default: no limit. */
  timeoutMs?: number;
  /** What the lock is for, shown to anyone waiting for it ("build kernel 6.12 x86_64"). */
  purpose: string;
  /**
   * Called when the lock turns out to be busy and again whenever its holders change, so the caller
   * can tell the user what it is waiting for.
   */
  onWait?: (status: LockWaitStatus) => void;
  /** Cancels the wait; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface LockWaitStatus {
  path: string;
  mode: LockMode;
  /** Current holders, as far as their records tell; empty if unknown. */
  holders: LockHolder[];
  waitedMs: number;
  /** `waiting for exclusive lock /x, held by pid 12 (node ...) for "...", shared, since ...` */
  message: string;
}

export interface LockHandle {
  /** Absolute path of the lock file. */
  readonly path: string;
  readonly mode: LockMode;
  /** The record written to the sidecar for this acquisition. */
  readonly holder: LockHolder;
  readonly released: boolean;
  /** Releases the lock. Synchronous and idempotent. */
  release(): void;
}

const BUSY_REMEDY = 'Wait for that to finish, or run `ktstr locks` to see every lock and its holder.';

/** The lock is held by someone else in a conflicting mode and the caller chose not to wait. */
export class LockBusyError extends KtstrError {
  readonly path: string;
  readonly mode: LockMode;
  readonly holders: LockHolder[];

  constructor(path: string, mode: LockMode, holders: LockHolder[], detail?: { problem: string; remedy: string }) {
    const problem = detail?.problem ?? `cannot take ${mode} lock ${path}: ${describeHolders(holders)}`;
    const remedy = detail?.remedy ?? BUSY_REMEDY;
    super('lock', path, problem, remedy);
    // KtstrError's "field: problem (got value)" layout reads badly when the value (the lock path)
    // is the subject of the sentence, so the message names it inline instead.
    this.message = `${problem}. ${remedy}`;
    this.name = 'LockBusyError';
    this.path = path;
    this.mode = mode;
    this.holders = holders;
  }
}

/** The lock stayed busy for the whole of `timeoutMs`. */
export class LockTimeoutError extends LockBusyError {
  readonly waitedMs: number;

  constructor(path: string, mode: LockMode, holders: LockHolder[], waitedMs: number) {
    super(path, mode, holders, {
      problem: `timed out after ${waitedMs} ms waiting for ${mode} lock ${path}: ${describeHolders(holders)}`,
      remedy: BUSY_REMEDY,
    });
    this.name = 'LockTimeoutError';
    this.waitedMs = waitedMs;
  }
}

const POLL_MIN_MS = 10;
const POLL_MAX_MS = 200;

/**
 * Takes the lock at `path` (created, with its parent directories, if missing).
 *
 * Waiting polls with non-blocking attempts instead of a blocking flock: a blocking flock would
 * stall the whole event loop and could neither time out nor report who is in the way. Polling is
 * not fair (a newcomer can win over a long waiter), which is acceptable for ktstr's coarse locks.
 *
 * Every call opens the file anew, and flock treats separate opens as separate contenders even
 * within one process, so concurrent tasks of one process exclude each other just as processes
 * do; a task waiting for a lock its own process holds gets it once the holding task releases.
 */
export async function acquireLock(path: string, options: AcquireLockOptions): Promise<LockHandle> {
  validateOptions(options);
  const { mode, wait, timeoutMs, purpose, onWait, signal } = options;
  signal?.throwIfAborted();
  const absPath = resolve(path);
  mkdirSync(dirname(absPath), { recursive: true });
  const fd = openLockFile(absPath);
  let handedOver = false;
  try {
    if (!flock(fd, mode, false)) {
      if (!wait) throw new LockBusyError(absPath, mode, readHolders(absPath));
      const started = performance.now();
      let interval = POLL_MIN_MS;
      let lastReported: string | undefined;
      for (;;) {
        const waitedMs = Math.round(performance.now() - started);
        const holders = readHolders(absPath);
        if (timeoutMs !== undefined && waitedMs >= timeoutMs) {
          throw new LockTimeoutError(absPath, mode, holders, waitedMs);
        }
        const reported = holders.map((h) => h.id).join(',');
        if (onWait && reported !== lastReported) {
          lastReported = reported;
          onWait({
            path: absPath,
            mode,
            holders,
            waitedMs,
            message: `waiting for ${mode} lock ${absPath}, ${describeHolders(holders)}`,
          });
        }
        const remaining = timeoutMs === undefined ? interval : Math.min(interval, timeoutMs - waitedMs);
        await sleep(Math.max(remaining, 1), undefined, signal ? { signal } : undefined);
        interval = Math.min(Math.ceil(interval * 1.5), POLL_MAX_MS);
        if (flock(fd, mode, false)) break;
      }
    }

    const holder = currentHolder(mode, purpose);
    try {
      addHolder(absPath, holder);
    } catch {
      // The record only feeds diagnostics; a lock directory that refuses the sidecar (read-only
      // for this user, say) must not stop the locked work.
    }
    const handle = new Handle(absPath, mode, holder, fd);
    handedOver = true;
    return handle;
  } finally {
    if (!handedOver) closeSync(fd);
  }
}

/** Runs `fn` while holding the lock, and releases it afterwards whether `fn` succeeds or throws. */
export async function withLock<T>(
  path: string,
  options: AcquireLockOptions,
  fn: (lock: LockHandle) => T | Promise<T>,
): Promise<T> {
  const lock = await acquireLock(path, options);
  try {
    return await fn(lock);
  } finally {
    lock.release();
  }
}

class Handle implements LockHandle {
  private fd: number | undefined;

  constructor(
    readonly path: string,
    readonly mode: LockMode,
    readonly holder: LockHolder,
    fd: number,
  ) {
    this.fd = fd;
  }

  get released(): boolean {
    return this.fd === undefined;
  }

  release(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    try {
      // Removed while still holding the lock, so the sidecar never lists us next to a successor.
      removeHolder(this.path, this.holder.id);
    } catch {
      // Diagnostics only, as in acquireLock; a stale record is filtered out once we exit.
    }
    try {
      // Explicit unlock in addition to close: should the descriptor ever have been duplicated
      // into another process, close alone would leave the lock held there.
      funlock(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Opens (creating if needed) the lock file. Node opens every file close-on-exec, so child processes
 * such as QEMU never inherit the descriptor and cannot keep the lock alive after we die. A lock
 * file this user cannot write is still lockable through a read-only descriptor.
 */
function openLockFile(path: string): number {
  try {
    return openSync(path, constants.O_RDWR | constants.O_CREAT, 0o666);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS') return openSync(path, constants.O_RDONLY);
    throw err;
  }
}

function describeHolders(holders: readonly LockHolder[]): string {
  if (holders.length === 0) return 'held by a process that has left no holder record (yet)';
  return `held by ${holders.map(describeHolder).join('; and by ')}`;
}

function validateOptions(options: AcquireLockOptions): void {
  const { mode, wait, timeoutMs, purpose } = options;
  if (mode !== 'shared' && mode !== 'exclusive') {
    throw new KtstrError('lock.mode', mode, 'is not a lock mode', "Use 'shared' or 'exclusive'.");
  }
  if (typeof wait !== 'boolean') {
    throw new KtstrError('lock.wait', wait, 'is not a boolean', 'Pass wait: true to wait for the lock, false to fail at once.');
  }
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
    throw new KtstrError('lock.timeoutMs', timeoutMs, 'is not a non-negative number of milliseconds', 'Omit it to wait without limit.');
  }
  if (typeof purpose !== 'string' || purpose.trim() === '') {
    throw new KtstrError('lock.purpose', purpose, 'is empty', 'Say what the lock is for; it is shown to whoever has to wait.');
  }
}
