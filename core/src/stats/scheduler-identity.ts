/**
 * What makes two cells' schedulers "the same" for comparison: the content of the binary (a
 * rebuild with the same name is a different scheduler) and the arguments it ran with.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

const cache = new Map<string, string>();

/** sha256 of a file, hex; cached per path, size and mtime, since every cell of a process hashes the same binary. */
export function fileSha256(path: string): string {
  const st = statSync(path);
  const key = `${path}\u0000${st.size}\u0000${st.mtimeMs}`;
  let h = cache.get(key);
  if (!h) {
    h = createHash('sha256').update(readFileSync(path)).digest('hex');
    cache.set(key, h);
  }
  return h;
}

export interface SchedulerIdentity {
  /** null: the kernel's own scheduler, or a binary that could not be read. */
  schedulerHash: string | null;
  schedulerArgs: string[];
}

export function schedulerIdentity(binaryPath: string | undefined, args: readonly string[]): SchedulerIdentity {
  let hash: string | null = null;
  if (binaryPath) {
    try {
      hash = fileSha256(binaryPath);
    } catch {
      hash = null; // the cell's own failure says why the binary is missing
    }
  }
  return { schedulerHash: hash, schedulerArgs: [...args] };
}
