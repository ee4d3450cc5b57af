/**
 * What a cell puts into a booted guest over the channel before its scenario: the scheduler,
 * files the user injects, and every shared library those binaries need (their DT_NEEDED
 * closure, with the host's symlinks), so a dynamically linked scheduler runs as on the host.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { resolveSharedLibraries } from './closure.js';

export interface HostFile {
  hostPath: string;
  /** Where it lands in the guest; default /bin/<basename>. */
  guestPath?: string;
}

export type PayloadEntry =
  | { kind: 'file'; guestPath: string; mode: number; content: Buffer }
  | { kind: 'symlink'; guestPath: string; target: string };

export interface CellPayloadInput {
  scheduler?: string;
  includeFiles: readonly HostFile[];
}

/** Guest path of the scheduler binary. */
export const schedulerGuestPath = (hostPath: string): string => `/bin/${basename(hostPath)}`;

export function cellPayload(input: CellPayloadInput): PayloadEntry[] {
  const entries: PayloadEntry[] = [];
  const binaries: string[] = [];
  const add = (hostPath: string, guestPath: string) => {
    const mode = statSync(hostPath).mode & 0o777;
    entries.push({ kind: 'file', guestPath, mode, content: readFileSync(hostPath) });
    // Only ELF files have a closure: an executable script or data file has none.
    if (mode & 0o111 && isElf(hostPath)) binaries.push(hostPath);
  };
  if (input.scheduler) add(input.scheduler, schedulerGuestPath(input.scheduler));
  for (const f of input.includeFiles) add(f.hostPath, f.guestPath ?? `/bin/${basename(f.hostPath)}`);
  for (const lib of resolveSharedLibraries(binaries)) {
    entries.push(lib.kind === 'symlink'
      ? { kind: 'symlink', guestPath: lib.guestPath, target: lib.target }
      : { kind: 'file', guestPath: lib.guestPath, mode: 0o755, content: readFileSync(lib.hostPath) });
  }
  const seen = new Set<string>();
  return entries.filter((e) => !seen.has(e.guestPath) && seen.add(e.guestPath));
}

function isElf(path: string): boolean {
  const head = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    return readSync(fd, head, 0, 4, 0) === 4 && head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    closeSync(fd);
  }
}

export function payloadBytes(entries: readonly PayloadEntry[]): number {
  return entries.reduce((n, e) => n + (e.kind === 'file' ? e.content.length : 0), 0);
}
