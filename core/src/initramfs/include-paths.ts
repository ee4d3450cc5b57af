/**
 * `--include-files` arguments as guest files: a file lands at /bin/<name> (so it is on PATH);
 * a directory lands at /root/<name>/ (the command's working directory is /root) with every
 * regular file below it at the same relative path, so a tree of scripts and data keeps the
 * layout its files refer to each other by. Symlinks inside are followed (the guest gets the
 * bytes; a link that points outside the tree would otherwise dangle there); other special
 * files are skipped. ELF binaries among them get their shared libraries through the payload.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join, posix, resolve } from 'node:path';
import { KtstrError } from '../errors.js';
import type { HostFile } from './cell-payload.js';

export function includePaths(args: readonly string[], where = '--include-files'): HostFile[] {
  const out: HostFile[] = [];
  for (const arg of args) {
    const hostPath = resolve(arg);
    let st;
    try {
      st = statSync(hostPath);
    } catch (e) {
      throw new KtstrError(where, arg, `cannot be read (${(e as Error).message})`, 'Give an existing file or directory.');
    }
    if (st.isDirectory()) walk(hostPath, posix.join('/root', basename(hostPath)), out);
    else out.push({ hostPath });
  }
  return out;
}

function walk(dir: string, guestDir: string, out: HostFile[]): void {
  for (const name of readdirSync(dir).sort()) {
    const hostPath = join(dir, name);
    let st;
    try {
      st = statSync(hostPath);
    } catch {
      continue; // a dangling symlink: nothing to copy
    }
    if (st.isDirectory()) walk(hostPath, posix.join(guestDir, name), out);
    else if (st.isFile()) out.push({ hostPath, guestPath: posix.join(guestDir, name) });
  }
}
