/**
 * Files and directories a process leaves outside itself carry its pid in their names
 * (`<prefix><pid>-...`), so what a SIGKILLed process left (no `finally`, no handler ran) can be
 * told from what a live one is still using, and removed by the next process that looks.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { procStatFields } from './proc-stat.js';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

/**
 * Whether `pid` has exited and waits only to be reaped. kill(pid, 0) still succeeds on it, but it
 * holds no file, lock or mapping any more; and where the init process reaps late (containers,
 * sandboxes) an exited process can stay a zombie for a long time.
 */
export function isZombie(pid: number): boolean {
  const state = procStatFields(pid)?.[0];
  return state === 'Z' || state === 'X';
}

/** Removes the entries of `dir` named `<prefix><pid>-...` whose process is gone; returns their names. */
export function reapByOwner(dir: string, prefix: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || isAlive(pid)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
