/**
 * Post-boot snapshots on disk: <cache>/snapshots/<key>/ holds the sparse RAM file of each NUMA
 * node, QEMU's device state, and meta.json (the key, the guest's hello, checksums). An entry
 * appears only whole (built in a temporary directory, renamed under a lock). A snapshot whose
 * files do not match their recorded checksums or sizes is discarded with the reason and rebuilt.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../paths.js';
import type { AttachedMessage, HelloMessage } from '../channel/messages.js';
import type { SavedVm } from '../vm/qemu-backend.js';
import { SNAPSHOT_FORMAT } from './snapshot-key.js';

export interface SnapshotMeta {
  format: number;
  key: string;
  createdAt: string;
  kernel: string;
  topology: string;
  /** What the guest reported when it came up; restored cells use it instead of a new hello. */
  hello: HelloMessage;
  stateSha256: string;
  /** mtimeMs: any write after the save changes it (absent in older entries, which are not checked for it). */
  ramFiles: { name: string; size: number; allocatedBytes: number; mtimeMs?: number }[];
  /** Wall time the cold boot took, for the speed-up report. */
  coldBootMs: number;
  /**
   * post-boot: saved at the agent's hello, before any scheduler (absent in older entries);
   * post-attach: saved once the scheduler attached, waiting for the scenario.
   */
  kind?: SnapshotKind;
  /** post-attach: the scheduler's name and arguments, for `ktstr cache snapshots list`. */
  scheduler?: string;
  /** post-attach: the agent's `attached` answer (pid, attach time), replayed to every restored cell. */
  attached?: AttachedMessage;
  /** post-attach: the post-boot key it grew from. */
  baseKey?: string;
}

export type SnapshotKind = 'post-boot' | 'post-attach';

export interface Snapshot {
  dir: string;
  meta: SnapshotMeta;
  saved: SavedVm;
}

export const snapshotsDir = (): string => join(cacheRoot(), 'snapshots');

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

const allocated = (path: string) => statSync(path).blocks * 512;

/** The snapshot for `key`, or undefined; a damaged one is removed and its reason returned. */
export function loadSnapshot(key: string): { snapshot?: Snapshot; discarded?: string } {
  const dir = join(snapshotsDir(), key);
  // Every lookup, not only the next save: a run that only restores would otherwise keep a
  // SIGKILLed save's staging directory forever.
  reapStaleStaging();
  if (!existsSync(dir)) return {};
  const problem = (() => {
    let meta: SnapshotMeta;
    try {
      meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as SnapshotMeta;
    } catch (e) {
      return `meta.json unreadable (${(e as Error).message})`;
    }
    if (meta.format !== SNAPSHOT_FORMAT) return `format ${meta.format}, expected ${SNAPSHOT_FORMAT}`;
    if (meta.key !== key) return `its meta.json names key ${meta.key}`;
    const state = join(dir, 'state');
    if (!existsSync(state) || sha256(state) !== meta.stateSha256) return 'device state checksum mismatch';
    for (const r of meta.ramFiles) {
      const p = join(dir, r.name);
      if (!existsSync(p) || statSync(p).size !== r.size) return `RAM file ${r.name} missing or resized`;
      // Hashing the RAM at every restore would cost more than the restore; a write changes the mtime.
      if (r.mtimeMs !== undefined && statSync(p).mtimeMs !== r.mtimeMs) return `RAM file ${r.name} modified since it was saved`;
    }
    return { dir, meta, saved: { ramFiles: meta.ramFiles.map((r) => join(dir, r.name)), stateFile: state } };
  })();
  if (typeof problem === 'string') {
    rmSync(dir, { recursive: true, force: true });
    return { discarded: problem };
  }
  markUsed(dir);
  return { snapshot: problem };
}

/** meta.json's mtime is the entry's last use: the size bound evicts the least recently used (store-bound.ts). */
function markUsed(dir: string): void {
  try {
    const now = new Date();
    utimesSync(join(dir, 'meta.json'), now, now);
  } catch {
    // Removed meanwhile by another process's bound: the caller has its files open or copied.
  }
}

/** When the entry was last loaded or made (ms since the epoch). */
export function lastUsedMs(dir: string): number {
  return statSync(join(dir, 'meta.json')).mtimeMs;
}

/** A fresh temporary directory inside the store, to save a VM into before `commitSnapshot`. */
export function stagingDir(): string {
  mkdirSync(snapshotsDir(), { recursive: true });
  reapStaleStaging();
  return mkdtempSync(join(snapshotsDir(), `.new-${process.pid}-`));
}

/** Staging directories are named `.new-<pid>-...`: a save whose process was SIGKILLed left its own; remove those. */
function reapStaleStaging(): void {
  if (!existsSync(snapshotsDir())) return;
  for (const n of readdirSync(snapshotsDir())) {
    const pid = Number(/^\.new-(\d+)-/.exec(n)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(snapshotsDir(), n), { recursive: true, force: true });
    }
  }
}

export function commitSnapshot(staging: string, saved: SavedVm, meta: Omit<SnapshotMeta, 'format' | 'createdAt' | 'stateSha256' | 'ramFiles'>): Snapshot {
  const full: SnapshotMeta = {
    format: SNAPSHOT_FORMAT,
    createdAt: new Date().toISOString(),
    stateSha256: sha256(saved.stateFile),
    ramFiles: saved.ramFiles.map((p) => ({ name: p.slice(staging.length + 1), size: statSync(p).size, allocatedBytes: allocated(p), mtimeMs: statSync(p).mtimeMs })),
    ...meta,
  };
  writeFileSync(join(staging, 'meta.json'), `${JSON.stringify(full, null, 2)}\n`);
  const dir = join(snapshotsDir(), meta.key);
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return { dir, meta: full, saved: { ramFiles: full.ramFiles.map((r) => join(dir, r.name)), stateFile: join(dir, 'state') } };
}

export function discardSnapshot(key: string): void {
  rmSync(join(snapshotsDir(), key), { recursive: true, force: true });
}

export function listSnapshots(): (SnapshotMeta & { dir: string; bytesOnDisk: number; lastUsedMs: number })[] {
  if (!existsSync(snapshotsDir())) return [];
  return readdirSync(snapshotsDir())
    .filter((n) => !n.startsWith('.'))
    .flatMap((n) => {
      const dir = join(snapshotsDir(), n);
      try {
        const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as SnapshotMeta;
        const bytesOnDisk = readdirSync(dir).reduce((s, f) => s + allocated(join(dir, f)), 0);
        return [{ ...meta, kind: meta.kind ?? 'post-boot', dir, bytesOnDisk, lastUsedMs: lastUsedMs(dir) }];
      } catch {
        return [];
      }
    });
}

/** Removes every snapshot (and leftovers of interrupted saves); returns how many. */
export function cleanSnapshots(): number {
  if (!existsSync(snapshotsDir())) return 0;
  const names = readdirSync(snapshotsDir());
  for (const n of names) rmSync(join(snapshotsDir(), n), { recursive: true, force: true });
  return names.filter((n) => !n.startsWith('.')).length;
}
