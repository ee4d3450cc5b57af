/**
 * The temporary directory a kernel entry is assembled in before it is renamed into place. It is
 * named `.fetch-<pid>-...`, so one left by a fetch that was SIGKILLed (no `finally` ran) can be
 * told from one a live fetch is still filling, and removed by the next fetch.
 */
import { mkdtempSync } from 'node:fs';
import { reapByOwner } from '../host/owner-pid.js';
import { join } from 'node:path';

export function fetchStagingDir(root: string): string {
  reapByOwner(root, '.fetch-');
  return mkdtempSync(join(root, `.fetch-${process.pid}-`));
}
