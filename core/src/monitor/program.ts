/**
 * One running kernel as the monitor sees it, like drgn's Program: its memory, its symbols (slid
 * to this boot) and its address translation, put together from a VM's RAM files and the
 * kernel's link-time symbol table (symbol-cache.ts). Helpers (helpers/) and, later, typed
 * objects take a KernelProgram.
 */
import { GuestMem } from './guest-mem.js';
import { type KernelImage, locateKernelImage } from './kaslr.js';
import { type NodeRam, q35RamLayout, type RamLayout, virtRamLayout } from './ram-layout.js';
import type { Symbols } from './symbols.js';
import { type KernelVirtualMemory, Translator } from './translate.js';
import { Arm64Translator, locateArm64Image } from './arm64-translate.js';
import { perCpuSymbol } from './helpers/percpu.js';
import { Unavailable } from './unavailable.js';
import type { Btf } from './btf/btf.js';
import { globalVariable } from './btf/variables.js';
import { KObject, typeIdOf } from './object.js';

export class KernelProgram {
  private constructor(
    readonly mem: GuestMem,
    /** This boot's addresses (the link-time table moved by the KASLR slide). */
    readonly symbols: Symbols,
    /** Translated reads: x86-64's Translator or arm64's Arm64Translator, as the symbols' architecture says. */
    readonly translator: KernelVirtualMemory,
    readonly image: KernelImage,
    readonly layout?: RamLayout,
  ) {}

  /** The kernel's BTF (kernel-btf.ts), which typed objects need; set once with useBtf. */
  btf: Btf | undefined;

  /** Gives the program the kernel's types, for object() and the helpers that read structs. */
  useBtf(btf: Btf): this {
    this.btf = btf;
    return this;
  }

  /**
   * Maps a VM's RAM files (QemuVm/CellVm `ramNodes`) and finds the kernel in them. The machine
   * follows the kernel's architecture, which its symbols say: q35 for x86-64, virt for arm64.
   */
  static open(ramNodes: readonly NodeRam[], linked: Symbols, options: { writable?: boolean } = {}): KernelProgram | Unavailable {
    const layout = linked.arch === 'aarch64' ? virtRamLayout(ramNodes) : q35RamLayout(ramNodes);
    return KernelProgram.fromMemory(GuestMem.map(layout, options), linked, layout);
  }

  /** The same over memory already at hand (tests build it from Buffers). */
  static fromMemory(mem: GuestMem, linked: Symbols, layout?: RamLayout): KernelProgram | Unavailable {
    if (linked.arch === 'aarch64') {
      const image = locateArm64Image(mem, linked);
      if (image instanceof Unavailable) return image;
      const symbols = image.slide === 0n ? linked : linked.withSlide(image.slide);
      const tr = Arm64Translator.fromKernel(mem, symbols, image);
      if (tr instanceof Unavailable) return tr;
      return new KernelProgram(mem, symbols, tr, image, layout);
    }
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

  /**
   * The kernel global `name` as a typed object, like drgn's `prog['runqueues']`. Its type is
   * `type` (a spelling like 'struct scx_sched *', or a BTF id) or, when omitted, the type of its
   * BTF variable (vmlinux describes only per-CPU variables; give the type of any other global).
   */
  object(name: string, type?: string | number): KObject | Unavailable {
    const va = this.address(name);
    if (va instanceof Unavailable) return va;
    return this.#typed(name, va, name, type);
  }

  /** Per-CPU variable `name` on `cpu` as a typed object: `perCpuObject('runqueues', 1)` is CPU 1's struct rq. */
  perCpuObject(name: string, cpu: number, type?: string | number): KObject | Unavailable {
    const va = this.perCpu(name, cpu);
    if (va instanceof Unavailable) return va;
    return this.#typed(name, va, `${name}[cpu ${cpu}]`, type);
  }

  /** An object of a type at an address: `at(p, 'struct task_struct')`. */
  objectAt(address: bigint, type: string | number, expression?: string): KObject | Unavailable {
    return this.#typed(undefined, address, expression ?? `*(${typeof type === 'string' ? type : `type ${type}`} *)0x${address.toString(16)}`, type);
  }

  #typed(variable: string | undefined, va: bigint, expression: string, type: string | number | undefined): KObject | Unavailable {
    const btf = this.btf;
    if (btf === undefined) return new Unavailable(`${expression}: the program has no BTF (KernelProgram.useBtf)`);
    let id: number | Unavailable;
    if (typeof type === 'number') id = type;
    else if (type !== undefined) id = typeIdOf(btf, type);
    else {
      const v = variable === undefined ? undefined : globalVariable(btf, variable);
      id = v?.found ? v.type : new Unavailable(`${expression}: no BTF variable ${variable}; give its type`);
    }
    return id instanceof Unavailable ? id : new KObject(this, btf, va, id, expression);
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
