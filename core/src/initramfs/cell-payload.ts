/**
 * What a cell puts into a booted guest over the channel before its scenario: the scheduler,
 * files the user injects, and every shared library those binaries need (their DT_NEEDED
 * closure, with the host's symlinks), so a dynamically linked scheduler runs as on the host.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { resolveSharedLibraries, type SharedLibraryEntry } from './closure.js';

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
  const signatures: string[] = [];
  const add = (hostPath: string, guestPath: string) => {
    const f = hostFile(hostPath);
    entries.push({ kind: 'file', guestPath, mode: f.mode, content: f.content });
    // Only ELF files have a closure: an executable script or data file has none.
    if (f.mode & 0o111 && f.elf) {
      binaries.push(hostPath);
      signatures.push(`${hostPath}@${f.signature}`);
    }
  };
  if (input.scheduler) add(input.scheduler, schedulerGuestPath(input.scheduler));
  for (const f of input.includeFiles) add(f.hostPath, f.guestPath ?? `/bin/${basename(f.hostPath)}`);
  const closureKey = signatures.join('\n');
  let libs = closures.get(closureKey);
  if (!libs) closures.set(closureKey, (libs = resolveSharedLibraries(binaries)));
  for (const lib of libs) {
    entries.push(lib.kind === 'symlink'
      ? { kind: 'symlink', guestPath: lib.guestPath, target: lib.target }
      : { kind: 'file', guestPath: lib.guestPath, mode: 0o755, content: hostFile(lib.hostPath).content });
  }
  const seen = new Set<string>();
  return entries.filter((e) => !seen.has(e.guestPath) && seen.add(e.guestPath));
}

/**
 * The files of earlier cells of this process, by path, while they stay the same file (inode, size,
 * mtime): a gauntlet sends the same scheduler and libraries to every cell, and reading them (and,
 * in attach-key.ts, hashing them) again cost ~15 ms of each cell's start.
 */
const files = new Map<string, { signature: string; mode: number; content: Buffer; elf: boolean }>();
/** Shared-library closures by their binaries' paths and signatures. */
const closures = new Map<string, SharedLibraryEntry[]>();

function hostFile(path: string): { signature: string; mode: number; content: Buffer; elf: boolean } {
  const st = statSync(path);
  const signature = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  const known = files.get(path);
  if (known?.signature === signature) return known;
  const f = { signature, mode: st.mode & 0o777, content: readFileSync(path), elf: false };
  f.elf = f.content.length >= 4 && f.content.subarray(0, 4).equals(ELF_MAGIC);
  files.set(path, f);
  return f;
}

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);


export function payloadBytes(entries: readonly PayloadEntry[]): number {
  return entries.reduce((n, e) => n + (e.kind === 'file' ? e.content.length : 0), 0);
}
