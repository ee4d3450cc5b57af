/**
 * A failed cell's dump file, named by its record (`failureDump`), read when the cell's end event
 * arrives. Without the `vscode` module so it is unit-tested under plain node.
 */
import { readFileSync } from 'node:fs';
import type { FailureDump } from '@ktstr/core';

/** The dump, or undefined when the record names none or the file is gone or not a dump (the reason and detail lines are shown instead). */
export function loadFailureDump(path: string | undefined): FailureDump | undefined {
  if (!path) return undefined;
  try {
    const d = JSON.parse(readFileSync(path, 'utf8')) as Partial<FailureDump>;
    return typeof d.bugSummary === 'string' && Array.isArray(d.consoleTail) ? (d as FailureDump) : undefined;
  } catch {
    return undefined;
  }
}
