/**
 * Listing locks and their holders, for `ktstr locks` and for "who is using the cache" questions.
 */
import { closeSync, constants, existsSync, openSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { flock, funlock } from '@ktstr/native';
import { readHolders, type LockHolder } from './holder.js';

export type LockState = 'free' | 'shared' | 'exclusive';

export interface LockStatus {
  /** Absolute path of the lock file. */
  path: string;
  /** Whether anyone holds the lock right now. */
  held: boolean;
  /** 'shared' when only shared holders are present; 'exclusive' when one process holds it alone. */
  state: LockState;
  /** Live holders according to their records; empty when free (stale records are not shown). */
  holders: LockHolder[];
}

/**
 * Every lock file under `dir` (recursively, not following symlinks), sorted by path, with its state
 * probed now. A lock file is a file ending in `.lock` or one with a `.holder` sidecar next to it
 * (acquireLock writes one for every lock it takes, whatever the name). A missing `dir` has no locks.
 *
 * The state is a snapshot taken with non-blocking flock attempts: the probe holds the lock for an
 * instant, so a concurrent non-blocking acquireLock may see it busy (waiting ones simply retry).
 */
export function listLocks(dir: string): LockStatus[] {
  const root = resolve(dir);
  if (!existsSync(root)) return [];
  const out: LockStatus[] = [];
  for (const path of findLockFiles(root)) {
    const state = probe(path);
    if (state === undefined) continue;
    out.push({ path, held: state !== 'free', state, holders: state === 'free' ? [] : readHolders(path) });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function findLockFiles(dir: string): string[] {
  const found: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return found; // unreadable or vanished directory: nothing to report there
  }
  const names = new Set(entries.map((e) => e.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      found.push(...findLockFiles(path));
    } else if (entry.isFile() && !entry.name.endsWith('.holder')) {
      if (entry.name.endsWith('.lock') || names.has(`${entry.name}.holder`)) found.push(path);
    }
  }
  return found;
}

/** Probes without creating anything; undefined if the file vanished meanwhile. */
function probe(path: string): LockState | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY);
  } catch {
    return undefined;
  }
  try {
    if (flock(fd, 'exclusive', false)) {
      funlock(fd);
      return 'free';
    }
    // Held. A shared attempt succeeds only if every current holder is shared.
    if (flock(fd, 'shared', false)) {
      funlock(fd);
      return 'shared';
    }
    return 'exclusive';
  } finally {
    closeSync(fd);
  }
}
