/**
 * A cell's JSON file in a stored run: what is too large for the records (results.json) and the
 * Parquet table — the timeline, every worker's result, the scheduler's exit and the monitor's
 * readings. The test process writes it into the run's staging directory (KTSTR_CELL_DETAILS)
 * when the cell ends, and there it stays: the store writes the records beside it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CellResult } from '../result/cell-result.js';

export interface CellExtras {
  timeline?: CellResult['timeline'];
  workers?: CellResult['workers'];
  schedulerExit?: CellResult['schedulerExit'];
  accel?: string;
  /** The host monitor's readings (`series` serialises as `{ samples }`), for the report's charts. */
  monitor?: CellResult['monitor'];
}

/** A file name for a cell: readable, and unique even when two names differ only in characters a file name cannot hold. */
export function cellFileName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._+-]+/g, '_').slice(0, 120);
  return `${safe}-${createHash('sha1').update(name).digest('hex').slice(0, 8)}.json`;
}

/** Written whole under a temporary name and renamed, so a reader never sees half a file. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value)}\n`);
  renameSync(tmp, path);
}

export function cellExtrasOf(result: CellResult): CellExtras {
  return { timeline: result.timeline, workers: result.workers, schedulerExit: result.schedulerExit, accel: result.accel, monitor: result.monitor };
}

/** Test process side: the cell's large detail, into `<dir>/cells/`. No directory, nothing written. */
export function writeCellExtras(dir: string | undefined, name: string, extras: CellExtras): void {
  if (!dir) return;
  mkdirSync(join(dir, 'cells'), { recursive: true });
  writeJsonAtomic(join(dir, 'cells', cellFileName(name)), extras);
}
