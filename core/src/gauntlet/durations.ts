/**
 * Recorded cell durations: a small JSON store under the cache directory
 * (`<cache>/gauntlet/durations.json`), updated after every cell, read by the budget selection
 * to estimate what a cell will cost. Keyed by cell name; a cell's estimate is the smoothed
 * wall time of its earlier runs (new runs weigh 1/2, so one slow outlier fades quickly).
 *
 * Writes are read-modify-write under a flock and land by rename, so concurrent ktstr processes
 * neither lose each other's updates nor read a half-written file.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheRoot } from '../paths.js';
import { withLock } from '../locks/lock.js';

export interface RecordedDuration {
  /** Smoothed wall time of the cell, boot to teardown, in ms. */
  ms: number;
  runs: number;
  /** ISO time of the last run. */
  at: string;
}

export type DurationStore = Record<string, RecordedDuration>;

export function durationsPath(root = cacheRoot()): string {
  return join(root, 'gauntlet', 'durations.json');
}

export function readDurations(path = durationsPath()): DurationStore {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { version?: number; cells?: DurationStore };
    return parsed.version === 1 && parsed.cells ? parsed.cells : {};
  } catch {
    return {}; // no store yet, or unreadable: the model estimates instead
  }
}

export async function recordDuration(cell: string, ms: number, path = durationsPath()): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await withLock(`${path}.lock`, { mode: 'exclusive', wait: true, timeoutMs: 10_000, purpose: `record duration of ${cell}` }, () => {
    const cells = readDurations(path);
    const prev = cells[cell];
    cells[cell] = {
      ms: Math.round(prev ? (prev.ms + ms) / 2 : ms),
      runs: (prev?.runs ?? 0) + 1,
      at: new Date().toISOString(),
    };
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ version: 1, cells }, null, 1)}\n`);
    renameSync(tmp, path);
  });
}
