/**
 * `<cell>.failure-dump.json`: written whole under a temporary name and renamed, so a reader (the
 * editor following a run, `ktstr report`) never sees half a file.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cellFileName, writeJsonAtomic } from '../stats/cell-detail.js';
import type { FailureDump } from './failure-dump.js';

export function failureDumpFileName(cell: string): string {
  return cellFileName(cell).replace(/\.json$/, '.failure-dump.json');
}

/** Writes the dump into each directory that is given (made if missing); returns the paths written. */
export function writeFailureDump(dirs: readonly (string | undefined)[], dump: FailureDump): string[] {
  const written: string[] = [];
  for (const dir of dirs) {
    if (!dir) continue;
    try {
      mkdirSync(dir, { recursive: true });
      const path = join(dir, failureDumpFileName(dump.cell));
      writeJsonAtomic(path, dump);
      written.push(path);
    } catch {
      // The record still carries the summary; one unwritable directory does not lose the others.
    }
  }
  return written;
}
