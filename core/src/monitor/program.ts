/**
 * One running kernel as the monitor sees it, like drgn's Program: its memory, its symbols (slid
 * to this boot) and its address translation, put together from a VM's RAM files and the
 * kernel's link-time symbol table (symbol-cache.ts). Helpers (helpers/) and, later, typed
 * objects take a KernelProgram.
 */
import { GuestMem } from './guest-mem.js';
import { type KernelImage, locateKernelImage } from './kaslr.js';
import { type NodeRam, q35RamLayout, type RamLayout } from './ram-layout.js';
import type { Symbols } from './symbols.js';
import { Translator } from './translate.js';
import { perCpuSymbol } from './helpers/percpu.js';
import { Unavailable } from './unavailable.js';

export class KernelProgram {
  private constructor(
    readonly mem: GuestMem,
    /** This boot's addresses (the link-time table moved by the KASLR slide). */
    readonly symbols: Symbols,
    readonly translator: Translator,
    readonly image: KernelImage,
    readonly layout?: RamLayout,
  ) {}

  /** Maps a VM's RAM files (QemuVm/CellVm `ramNodes`) and finds the kernel in them. */
  static open(ramNodes: readonly NodeRam[], linked: Symbols, options: { writable?: boolean } = {}): KernelProgram | Unavailable {
    const layout = q35RamLayout(ramNodes);
    return KernelProgram.fromMemory(GuestMem.map(layout, options), linked, layout);
  }

  /** The same over memory already at hand (tests build it from Buffers). */
  static fromMemory(mem: GuestMem, linked: Symbols, layout?: RamLayout): KernelProgram | Unavailable {
    const image = locateKernelImage(mem, linked);
    if (image instanceof Unavailable) return image;
    const symbols = image.slide === 0n ? linked : linked.withSlide(image.slide);
    const tr = Translator.fromKernel(mem, symbols, { kernelCodeStart: image.textPa });
    if (tr instanceof Unavailable) return tr;
    return new KernelProgram(mem, symbols, tr, image, layout);
  }

  /** This boot's address of a symbol. */
  address(name: string): bigint | Unavailable {
    return this.symbols.address(name);
  }

  /** The address of per-CPU variable `name` on `cpu` (`perCpu('runqueues', 1)` is CPU 1's rq). */
  perCpu(name: string, cpu: number): bigint | Unavailable {
    return perCpuSymbol(this.translator, this.symbols, name, cpu);
  }

  readU32(va: bigint): number | Unavailable {
    return this.translator.readU32(va);
  }

  readU64(va: bigint): bigint | Unavailable {
    return this.translator.readU64(va);
  }

  readBytes(va: bigint, length: number): Buffer | Unavailable {
    return this.translator.readBytes(va, length);
  }

  readCString(va: bigint, max?: number): string | Unavailable {
    return this.translator.readCString(va, max);
  }
}
