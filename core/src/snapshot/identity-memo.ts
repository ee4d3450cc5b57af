/**
 * Values computed from files (content hashes, a program's version line), remembered on disk by
 * the files' identity — path, inode, size, mtime and ctime — so that a new process does not
 * recompute them. Every node:test file is a new process, and its first restore needs the
 * snapshot key, which hashes the kernel image (~10 MB) and asks QEMU for its version: together
 * 0.1–0.2 s before the restore could start. A file rewritten in any way changes its ctime, so a
 * stale entry is never used; entries are a few bytes each under <cache>/memo/.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { cacheRoot } from '../paths.js';

const inProcess = new Map<string, string>();

function identity(paths: readonly string[]): string {
  return paths.map((p) => {
    const st = statSync(p);
    return `${p}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  }).join('|');
}

/** `compute()`, or what it gave before for the same `kind` and the same files. */
export function memoByIdentity(kind: string, paths: readonly string[], compute: () => string): string {
  const id = `${kind}\0${identity(paths)}`;
  const known = inProcess.get(id);
  if (known !== undefined) return known;
  const file = join(cacheRoot(), 'memo', `${kind}-${createHash('sha256').update(id).digest('hex').slice(0, 32)}`);
  let value: string | undefined;
  try {
    value = readFileSync(file, 'utf8');
  } catch {
    value = compute();
    try {
      mkdirSync(join(cacheRoot(), 'memo'), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, value);
      renameSync(tmp, file);
    } catch {
      // A read-only cache only costs the next process the computation.
    }
  }
  inProcess.set(id, value);
  return value;
}

/** The file a command name runs (a PATH lookup), for keying a memo on the program itself. */
export function whichSync(command: string): string | undefined {
  if (command.includes('/')) return command;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, command);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}
