/**
 * The kernel's BTF (vmlinux's .BTF section), parsed once per kernel and kept in memory: every
 * typed read of every sample goes through it, and parsing vmlinux's ~100k types costs tens of
 * milliseconds, far too much to pay per reading. Keyed by the file's path, size and mtime, so a
 * rebuilt kernel at the same path is parsed again.
 */
import { statSync } from 'node:fs';
import type { Btf } from './btf/btf.js';
import { BtfError } from './btf/btf-error.js';
import { readElfBtf } from './btf/load.js';

const cache = new Map<string, Btf>();

/** The BTF of the vmlinux at `path`, or the BtfError that says why there is none. */
export function kernelBtf(vmlinux: string): Btf | BtfError {
  let key: string;
  try {
    const st = statSync(vmlinux);
    key = `${vmlinux}\0${st.size}\0${st.mtimeMs}`;
  } catch (cause) {
    return new BtfError(0, vmlinux, `cannot read the kernel image: ${(cause as Error).message}`, { cause });
  }
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const btf = readElfBtf(vmlinux);
  if (btf instanceof BtfError) return btf;
  cache.set(key, btf);
  return btf;
}

/** Forgets every parsed kernel BTF (tests; a long-lived process that no longer needs them). */
export function forgetKernelBtf(): void {
  cache.clear();
}
