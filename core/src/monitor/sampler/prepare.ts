/**
 * What a cell's monitor needs before its guest runs: the kernel's link-time symbols (a one-time
 * capture per kernel, which boots a guest of its own — so it happens before the cell's VM boots,
 * and is logged with its cost, not paid silently) and the kernel's BTF (kernel-btf.ts, parsed
 * once per process per kernel), through which the helpers read struct rq and sched_ext.
 */
import { performance } from 'node:perf_hooks';
import type { ResolvedKernel } from '../../kernel/resolve.js';
import type { Btf } from '../btf/btf.js';
import { BtfError } from '../btf/btf-error.js';
import { kernelBtf } from '../kernel-btf.js';
import { linkTimeSymbols } from '../symbol-cache.js';
import { Symbols } from '../symbols.js';
import { kernelSampleReader, type SampleReader } from './sample-reader.js';

export interface PreparedMonitor {
  symbols: Symbols;
  /** The kernel's BTF, for the program the reader reads through (KernelProgram.useBtf). */
  btf: Btf;
  reader: SampleReader;
  /** Where the symbols came from; capturedMs when this call captured them from a guest. */
  symbolSource: { source: string; capturedMs?: number };
}

/** The kernel's BTF, or why there is none (no vmlinux beside the kernel, no .BTF section). */
export function btfFor(vmlinux: string | undefined): Btf | string {
  if (!vmlinux) return 'the kernel has no vmlinux beside it, so there is no BTF to read struct rq with';
  const btf = kernelBtf(vmlinux);
  return btf instanceof BtfError ? `${vmlinux}: ${btf.message}` : btf;
}

/**
 * Symbols and reader for `kernel`, or the reason the monitor cannot run (a string). `capture`
 * is runner/symbol-capture.ts's captureKernelSymbols (passed in: it boots a CellVm).
 */
export async function prepareMonitor(kernel: ResolvedKernel, capture: (k: ResolvedKernel) => Promise<Symbols>, log: (line: string) => void): Promise<PreparedMonitor | string> {
  const btf = btfFor(kernel.vmlinux);
  if (typeof btf === 'string') return btf;
  const reader = kernelSampleReader;
  const known = linkTimeSymbols(kernel);
  if (known instanceof Symbols) return { symbols: known, btf, reader, symbolSource: { source: known.source } };
  log(`monitor: capturing ${kernel.label}'s kernel symbols from a guest (once per kernel, then cached)`);
  const t0 = performance.now();
  try {
    const symbols = await capture(kernel);
    const capturedMs = Math.round(performance.now() - t0);
    log(`monitor: captured ${symbols.size} symbols of ${kernel.label} in ${capturedMs} ms`);
    return { symbols, btf, reader, symbolSource: { source: symbols.source, capturedMs } };
  } catch (e) {
    return `capturing the kernel's symbols failed: ${(e as Error).message.split('\n')[0]}`;
  }
}
