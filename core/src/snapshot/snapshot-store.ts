/**
 * Post-boot snapshots on disk: <cache>/snapshots/<key>/ holds the sparse RAM file of each NUMA
 * node, QEMU's device state, and meta.json (the key, the guest's hello, checksums). An entry
 * appears only whole (built in a temporary directory, renamed under a lock). A snapshot whose
 * files do not match their recorded checksums or sizes is discarded with the reason and rebuilt.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../paths.js';
import type { HelloMessage } from '../channel/messages.js';
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
  ramFiles: { name: string; size: number; allocatedBytes: number }[];
  /** Wall time the cold boot took, for the speed-up report. */
  coldBootMs: number;
}

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
    }
    return { dir, meta, saved: { ramFiles: meta.ramFiles.map((r) => join(dir, r.name)), stateFile: state } };
  })();
  if (typeof problem === 'string') {
    rmSync(dir, { recursive: true, force: true });
    return { discarded: problem };
  }
  return { snapshot: problem };
}

/** A fresh temporary directory inside the store, to save a VM into before `commitSnapshot`. */
export function stagingDir(): string {
  mkdirSync(snapshotsDir(), { recursive: true });
  return mkdtempSync(join(snapshotsDir(), '.new-'));
}

export function commitSnapshot(staging: string, saved: SavedVm, meta: Omit<SnapshotMeta, 'format' | 'createdAt' | 'stateSha256' | 'ramFiles'>): Snapshot {
  const full: SnapshotMeta = {
    format: SNAPSHOT_FORMAT,
    createdAt: new Date().toISOString(),
    stateSha256: sha256(saved.stateFile),
    ramFiles: saved.ramFiles.map((p) => ({ name: p.slice(staging.length + 1), size: statSync(p).size, allocatedBytes: allocated(p) })),
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

export function listSnapshots(): (SnapshotMeta & { dir: string; bytesOnDisk: number })[] {
  if (!existsSync(snapshotsDir())) return [];
  return readdirSync(snapshotsDir())
    .filter((n) => !n.startsWith('.'))
    .flatMap((n) => {
      const dir = join(snapshotsDir(), n);
      try {
        const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as SnapshotMeta;
        const bytesOnDisk = readdirSync(dir).reduce((s, f) => s + allocated(join(dir, f)), 0);
        return [{ ...meta, dir, bytesOnDisk }];
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
