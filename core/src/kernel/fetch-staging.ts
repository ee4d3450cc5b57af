/**
 * The temporary directory a kernel entry is assembled in before it is renamed into place. It is
 * named `.fetch-<pid>-...`, so one left by a fetch that was SIGKILLed (no `finally` ran) can be
 * told from one a live fetch is still filling, and removed by the next fetch.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export function fetchStagingDir(root: string): string {
  for (const n of readdirSync(root)) {
    const pid = Number(/^\.fetch-(\d+)-/.exec(n)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) rmSync(join(root, n), { recursive: true, force: true });
  }
  return mkdtempSync(join(root, `.fetch-${process.pid}-`));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
