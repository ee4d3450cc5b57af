/**
 * The link-time symbol table of a kernel, for the monitor: its System.map when that is real, or
 * else the guest's /proc/kallsyms captured once from a `nokaslr` boot and kept in the cache.
 * docs/monitor.md ("Symbols") explains the choice; kaslr.ts turns link-time addresses into a
 * running kernel's.
 *
 * The capture itself is one command run in a cell before any scheduler loads
 * (runner/symbol-capture.ts); this file owns what it runs, how its output is split, and where
 * the result is kept: <cache>/monitor/symbols/<sha256 of vmlinuz, 16 hex>/{kallsyms,iomem}.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../paths.js';
import { Symbols } from './symbols.js';
import { Unavailable } from './unavailable.js';
import { vmlinuxSymbols } from './vmlinux-symbols.js';

const IOMEM_END = '=== ktstr: end of /proc/iomem ===';
const KALLSYMS_END = '=== ktstr: end of /proc/kallsyms ===';

/** The guest command whose output `parseCapture` reads. Root in the guest, so kallsyms shows addresses. */
export const CAPTURE_COMMAND = `cat /proc/iomem; echo '${IOMEM_END}'; cat /proc/kallsyms; echo '${KALLSYMS_END}'`;

export interface SymbolCapture {
  kallsyms: string;
  iomem: string;
}

/** Splits the output of CAPTURE_COMMAND; Unavailable when it is cut short. */
export function parseCapture(stdout: string): SymbolCapture | Unavailable {
  const a = stdout.indexOf(`${IOMEM_END}\n`);
  const b = stdout.indexOf(`${KALLSYMS_END}\n`);
  if (a < 0 || b < a) return new Unavailable(`the symbol capture's output is incomplete (${stdout.length} bytes, end markers ${a >= 0 ? 'iomem' : ''}${b >= 0 ? ' kallsyms' : ''} seen)`);
  return { iomem: stdout.slice(0, a), kallsyms: stdout.slice(a + IOMEM_END.length + 1, b) };
}

export const symbolCacheDir = (): string => join(cacheRoot(), 'monitor', 'symbols');

/** A kernel's key: its image's content, so a rebuilt kernel at the same path is a new entry. */
export function kernelKey(vmlinuz: string): string {
  return createHash('sha256').update(readFileSync(vmlinuz)).digest('hex').slice(0, 16);
}

export function cachedCapture(vmlinuz: string): SymbolCapture | undefined {
  const dir = join(symbolCacheDir(), kernelKey(vmlinuz));
  if (!existsSync(join(dir, 'kallsyms')) || !existsSync(join(dir, 'iomem'))) return undefined;
  return { kallsyms: readFileSync(join(dir, 'kallsyms'), 'utf8'), iomem: readFileSync(join(dir, 'iomem'), 'utf8') };
}

/** Stores a capture; written beside and renamed, so a reader never sees half a table. */
export function storeCapture(vmlinuz: string, capture: SymbolCapture): void {
  const dir = join(symbolCacheDir(), kernelKey(vmlinuz));
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of [['iomem', capture.iomem], ['kallsyms', capture.kallsyms]] as const) {
    const tmp = join(dir, `.${name}.${process.pid}`);
    writeFileSync(tmp, text);
    renameSync(tmp, join(dir, name));
  }
}

/**
 * The kernel's link-time symbols: a usable System.map first (no guest needed), else an unstripped
 * vmlinux's .symtab, else the cached capture, else Unavailable saying how to get one.
 */
export function linkTimeSymbols(kernel: { vmlinuz: string; systemMap?: string; vmlinux?: string }): Symbols | Unavailable {
  let mapProblem = 'no System.map';
  if (kernel.systemMap && existsSync(kernel.systemMap)) {
    const map = Symbols.parse(readFileSync(kernel.systemMap, 'utf8'), 'System.map');
    const why = map.unusableReason();
    if (!why) return map;
    mapProblem = why;
  }
  // An unstripped vmlinux is as good as a System.map (a built kernel has both).
  if (kernel.vmlinux && existsSync(kernel.vmlinux)) {
    const fromElf = vmlinuxSymbols(kernel.vmlinux);
    if (fromElf instanceof Symbols) return fromElf;
    mapProblem += `; ${fromElf.unavailable}`;
  }
  const captured = cachedCapture(kernel.vmlinuz);
  if (captured) {
    const syms = Symbols.parse(captured.kallsyms, 'kallsyms');
    const why = syms.unusableReason();
    if (!why) return syms;
    return new Unavailable(`the cached kallsyms of ${kernel.vmlinuz} is unusable: ${why}`);
  }
  return new Unavailable(`${kernel.vmlinuz}: ${mapProblem}, and no kallsyms captured yet (captureKernelSymbols boots the kernel once to read it)`);
}
