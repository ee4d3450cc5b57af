/**
 * What a cell's monitor needs before its guest runs: the kernel's link-time symbols (a one-time
 * capture per kernel, which boots a guest of its own — so it happens before the cell's VM boots,
 * and is logged with its cost, not paid silently) and a reader with the kernel's member offsets
 * (from the vmlinux BTF, parsed once per process per kernel).
 */
import { performance } from 'node:perf_hooks';
import type { ResolvedKernel } from '../../kernel/resolve.js';
import { readElfBtf } from '../btf/load.js';
import { BtfError } from '../btf/btf-error.js';
import { linkTimeSymbols } from '../symbol-cache.js';
import { Symbols } from '../symbols.js';
import { runqueueReader, type SampleReader } from './sample-reader.js';

export interface PreparedMonitor {
  symbols: Symbols;
  reader: SampleReader;
  /** Where the symbols came from; capturedMs when this call captured them from a guest. */
  symbolSource: { source: string; capturedMs?: number };
}

const readers = new Map<string, SampleReader | string>();

/** The reader for a kernel, or why there is none (no vmlinux, no BTF, a struct without a field). */
export function readerFor(vmlinux: string | undefined): SampleReader | string {
  if (!vmlinux) return 'the kernel has no vmlinux beside it, so there is no BTF to find struct rq\'s fields in';
  let r = readers.get(vmlinux);
  if (r === undefined) {
    const btf = readElfBtf(vmlinux);
    if (btf instanceof BtfError) r = `${vmlinux}: ${btf.message}`;
    else {
      try {
        r = runqueueReader(btf);
      } catch (e) {
        r = `${vmlinux}: ${(e as Error).message}`;
      }
    }
    readers.set(vmlinux, r);
  }
  return r;
}

/**
 * Symbols and reader for `kernel`, or the reason the monitor cannot run (a string). `capture`
 * is runner/symbol-capture.ts's captureKernelSymbols (passed in: it boots a CellVm).
 */
export async function prepareMonitor(kernel: ResolvedKernel, capture: (k: ResolvedKernel) => Promise<Symbols>, log: (line: string) => void): Promise<PreparedMonitor | string> {
  const reader = readerFor(kernel.vmlinux);
  if (typeof reader === 'string') return reader;
  const known = linkTimeSymbols(kernel);
  if (known instanceof Symbols) return { symbols: known, reader, symbolSource: { source: known.source } };
  log(`monitor: capturing ${kernel.label}'s kernel symbols from a guest (once per kernel, then cached)`);
  const t0 = performance.now();
  try {
    const symbols = await capture(kernel);
    const capturedMs = Math.round(performance.now() - t0);
    log(`monitor: captured ${symbols.size} symbols of ${kernel.label} in ${capturedMs} ms`);
    return { symbols, reader, symbolSource: { source: symbols.source, capturedMs } };
  } catch (e) {
    return `capturing the kernel's symbols failed: ${(e as Error).message.split('\n')[0]}`;
  }
}
