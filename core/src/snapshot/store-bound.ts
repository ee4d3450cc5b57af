/**
 * The snapshot store's size bound. Post-boot snapshots are one per kernel x topology x machine,
 * post-attach snapshots one more per scheduler launch on each: a gauntlet over many presets and
 * schedulers would grow the store without end. After every new entry the store is cut back to
 * its limit by removing the least recently used entries (an entry's last use is its meta.json's
 * mtime, set whenever a cell loads it), never the entry just made and never one used in the last
 * minute (another process may be restoring from it right now).
 *
 * The limit: KTSTR_SNAPSHOT_STORE_MAX (bytes, or with a K/M/G suffix, e.g. 2G), else 8 GiB (a 24-preset gauntlet of one scheduler makes 48 entries of ~100 MB).
 * `ktstr cache snapshots prune --max-size SIZE` applies a limit by hand.
 */
import { KtstrError } from '../errors.js';
import { listSnapshots } from './snapshot-store.js';
import { rmSync } from 'node:fs';

export const DEFAULT_STORE_MAX_BYTES = 8 * 1024 ** 3;
export const STORE_MAX_ENV = 'KTSTR_SNAPSHOT_STORE_MAX';
/** An entry used more recently than this is never evicted. */
const IN_USE_MS = 60_000;

/** `4G`, `512M`, `100000K`, or plain bytes. */
export function parseSize(text: string, field: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$/i.exec(text);
  if (!m) throw new KtstrError(field, text, 'is not a size', 'Give bytes or a number with K, M, G or T, e.g. 4G.');
  const scale = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  return Math.round(Number(m[1]) * scale);
}

export function storeLimitBytes(): number {
  const v = process.env[STORE_MAX_ENV];
  return v ? parseSize(v, STORE_MAX_ENV) : DEFAULT_STORE_MAX_BYTES;
}

export interface Eviction {
  key: string;
  kind: string;
  bytes: number;
}

/**
 * Removes least recently used entries until the store's allocated size is at most `limitBytes`.
 * `keep` names entries never removed (the one just made). Returns what was removed, oldest first.
 */
export function boundSnapshotStore(limitBytes = storeLimitBytes(), keep: readonly string[] = [], now = Date.now()): Eviction[] {
  const entries = listSnapshots().sort((a, b) => a.lastUsedMs - b.lastUsedMs);
  let total = entries.reduce((s, e) => s + e.bytesOnDisk, 0);
  const removed: Eviction[] = [];
  for (const e of entries) {
    if (total <= limitBytes) break;
    if (keep.includes(e.key) || now - e.lastUsedMs < IN_USE_MS) continue;
    rmSync(e.dir, { recursive: true, force: true });
    total -= e.bytesOnDisk;
    removed.push({ key: e.key, kind: e.kind ?? 'post-boot', bytes: e.bytesOnDisk });
  }
  return removed;
}
