/**
 * What a run may leave behind, checked after every fault: processes of the soak (by the mark in
 * their environment), RAM files in the soak's RAM directory, VM directories in its TMPDIR, held
 * locks in its cache, temporary files of interrupted cache writes, and cache entries that are
 * not whole (a snapshot whose checksums fail, a kernel entry without its files).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { listLocks } from '@ktstr/core';
import { alive, soakProcesses } from './processes.js';
import type { SoakEnv } from './soak-env.js';

export interface Leftover {
  what: 'process' | 'ram-file' | 'vm-dir' | 'held-lock' | 'cache-tmp' | 'broken-entry';
  detail: string;
}

export function findLeftovers(env: SoakEnv, o: { ignoreFiles?: readonly string[] } = {}): Leftover[] {
  const out: Leftover[] = [];
  for (const p of soakProcesses(env.mark).filter(alive)) out.push({ what: 'process', detail: `${p.pid} (${p.role}, state ${p.state}): ${p.cmdline.slice(0, 160)}` });
  for (const n of list(env.shm)) if (!o.ignoreFiles?.includes(join(env.shm, n))) out.push({ what: 'ram-file', detail: join(env.shm, n) });
  for (const n of list(env.tmp)) if (n.startsWith('ktstr-vm-')) out.push({ what: 'vm-dir', detail: join(env.tmp, n) });
  for (const l of [...listLocks(join(env.cache, 'locks')), ...listLocks(join(env.cache, 'race', 'locks'))]) {
    if (l.held) out.push({ what: 'held-lock', detail: `${l.path} by ${l.holders.map((h) => h.pid).join(', ') || 'unknown'}` });
  }
  for (const path of walk(env.cache)) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (/^\.(new|fetch)-/.test(name) || /\.tmp(\.|$|-)/.test(name) || /\.partial$/.test(name)) out.push({ what: 'cache-tmp', detail: path });
  }
  // The kernel-race fault fetches into a cache of its own under the soak's.
  out.push(...brokenSnapshots(join(env.cache, 'snapshots')), ...brokenKernels(join(env.cache, 'kernels')), ...brokenKernels(join(env.cache, 'race', 'kernels')));
  return out;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Every path under `dir` (directories too, not descending into a temporary one). */
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const n of list(dir)) {
    const p = join(dir, n);
    out.push(p);
    try {
      if (statSync(p).isDirectory() && !/^\.(new|fetch)-/.test(n)) out.push(...walk(p));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** A snapshot entry is whole when meta.json parses and the state and RAM files match it. */
function brokenSnapshots(dir: string): Leftover[] {
  const out: Leftover[] = [];
  for (const key of list(dir).filter((n) => !n.startsWith('.'))) {
    const entry = join(dir, key);
    try {
      const meta = JSON.parse(readFileSync(join(entry, 'meta.json'), 'utf8')) as { stateSha256: string; ramFiles: { name: string; size: number }[] };
      const sha = createHash('sha256').update(readFileSync(join(entry, 'state'))).digest('hex');
      if (sha !== meta.stateSha256) throw new Error('state checksum mismatch');
      for (const r of meta.ramFiles) if (statSync(join(entry, r.name)).size !== r.size) throw new Error(`${r.name} resized`);
    } catch (e) {
      out.push({ what: 'broken-entry', detail: `snapshot ${entry}: ${(e as Error).message}` });
    }
  }
  return out;
}

function brokenKernels(dir: string): Leftover[] {
  return list(dir).filter((n) => !n.startsWith('.')).flatMap((n) => {
    const entry = join(dir, n);
    const missing = ['meta.json', 'vmlinuz', 'vmlinux', 'config', 'System.map'].filter((f) => !existsSync(join(entry, f)));
    return missing.length ? [{ what: 'broken-entry' as const, detail: `kernel ${entry}: missing ${missing.join(', ')}` }] : [];
  });
}

export const describeLeftovers = (l: Leftover[]) => l.map((x) => `${x.what}: ${x.detail}`).join('\n');
