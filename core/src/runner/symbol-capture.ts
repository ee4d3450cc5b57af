/**
 * Captures a kernel's /proc/kallsyms and /proc/iomem from inside a guest, once per kernel, for
 * the monitor (monitor/symbol-cache.ts keeps it). Debian's kernels ship a placeholder System.map,
 * so the running kernel is the only source of its symbol table without the -dbg package.
 *
 * The capture is a command cell on a one-CPU guest without a scheduler: the same post-boot
 * snapshot every cell of this kernel starts from, booted with `nokaslr` as all cells are, so the
 * addresses are the link-time ones (monitor/kaslr.ts slides them for a randomized boot).
 */
import type { ResolvedKernel } from '../kernel/resolve.js';
import { CellVm } from './cell-vm.js';
import { CAPTURE_COMMAND, cachedCapture, linkTimeSymbols, parseCapture, storeCapture } from '../monitor/symbol-cache.js';
import { Symbols } from '../monitor/symbols.js';
import { Unavailable } from '../monitor/unavailable.js';
import { KtstrError } from '../errors.js';

/** The kernel's link-time symbols, capturing them from a guest first when nothing has them yet. */
export async function captureKernelSymbols(kernel: ResolvedKernel): Promise<Symbols> {
  const known = linkTimeSymbols(kernel);
  if (known instanceof Symbols) return known;
  if (!cachedCapture(kernel.vmlinuz)) {
    const vm = await CellVm.boot({
      name: `monitor-symbols/${kernel.label}`,
      kernel,
      topology: { numaNodes: 1, llcs: 1, coresPerLlc: 1, threadsPerCore: 1 },
      durationMs: 0,
    });
    const r = await vm.runCommand({ exec: CAPTURE_COMMAND });
    const capture = parseCapture(r.stdout);
    if (capture instanceof Unavailable || r.status !== 0) {
      throw new KtstrError('kernel', kernel.vmlinuz, `reading /proc/kallsyms in the guest failed (status ${r.status}; ${capture instanceof Unavailable ? capture.unavailable : r.stderr.trim()})`,
        'Check that the kernel has CONFIG_KALLSYMS_ALL; or give a kernel with a real System.map.');
    }
    const why = Symbols.parse(capture.kallsyms, 'kallsyms').unusableReason();
    if (why) throw new KtstrError('kernel', kernel.vmlinuz, `the guest's /proc/kallsyms is unusable: ${why}`, 'Give a kernel with a real System.map.');
    storeCapture(kernel.vmlinuz, capture);
  }
  const syms = linkTimeSymbols(kernel);
  if (syms instanceof Unavailable) throw new KtstrError('kernel', kernel.vmlinuz, syms.unavailable, 'Remove <cache>/monitor/symbols and run again.');
  return syms;
}
