/**
 * Kernel virtual -> guest-physical. `KernelVirtualMemory` is the reading side every helper uses;
 * the translation itself is per architecture: arm64's is arm64-translate.ts, x86-64's is here,
 * the way the kernel itself maps memory on x86-64:
 *  - the kernel image (_text.._end): linear, pa = va - _text + (physical _text);
 *  - the direct map (page_offset_base..): linear, pa = va - page_offset_base;
 *  - everything else (vmalloc, per-CPU chunks outside the first, BPF programs and maps,
 *    modules): a walk of the kernel's page tables, rooted at init_top_pgt (swapper_pg_dir).
 * The linear cases need no memory reads, so they stay fast; they are also what a walk would give.
 *
 * Works the same with KASLR on or off: every input comes from the running kernel, either from
 * its own symbols (kallsyms already carries the slide) or from its memory (page_offset_base is
 * randomized separately and read from the variable). The physical _text is /proc/iomem's
 * "Kernel code" start when the guest gave it; otherwise it is found from phys_base, see
 * `findImagePhysical`.
 */
import type { GuestMem } from './guest-mem.js';
import { type PagingLevels, type Translation, walkPageTable } from './page-table.js';
import type { Symbols } from './symbols.js';
import { hex, Unavailable } from './unavailable.js';

/** The fixed virtual base of the kernel image mapping (arch/x86/include/asm/page_64_types.h). */
export const START_KERNEL_MAP = 0xffff_ffff_8000_0000n;
/** Kernel images are loaded at a multiple of CONFIG_PHYSICAL_ALIGN (2 MiB on distribution kernels). */
export const PHYSICAL_ALIGN = 0x20_0000n;

export interface KernelAddressing {
  /** Running virtual address of _text. */
  textVa: bigint;
  /** Guest-physical address of _text. */
  textPa: bigint;
  /** Running virtual address of _end: the image's linear mapping ends there. */
  endVa: bigint;
  /** Start of the direct map (randomized under KASLR). */
  pageOffsetBase: bigint;
  /** Guest-physical address of the kernel's top-level page table (init_top_pgt). */
  pgd: bigint;
  levels: PagingLevels;
}

export type Via = 'image' | 'direct map' | 'linear map' | 'page table';

/**
 * Reads kernel virtual memory through an architecture's translation (`toPhysical`): x86-64's
 * below, arm64's in arm64-translate.ts. Helpers and typed objects take this, so they read either.
 */
export abstract class KernelVirtualMemory {
  constructor(readonly mem: GuestMem) {}

  /** The guest-physical address of `va`, how large the mapping around it is, and which mapping gave it. */
  abstract toPhysical(va: bigint): (Translation & { via: Via }) | Unavailable;

  /** Bytes at `va`, translated page by page where a walk is needed; a copy. */
  readBytes(va: bigint, length: number): Buffer | Unavailable {
    const parts: Buffer[] = [];
    let done = 0;
    while (done < length) {
      const at = BigInt.asUintN(64, va + BigInt(done));
      const t = this.toPhysical(at);
      if (t instanceof Unavailable) return t;
      // A walk's page ends at its size boundary; a linear range is contiguous to its end.
      const room = t.via === 'page table' ? t.pageSize - (at & (t.pageSize - 1n)) : t.pageSize;
      const n = Number(BigInt(length - done) < room ? BigInt(length - done) : room);
      const b = this.mem.readBytes(t.pa, n);
      if (b instanceof Unavailable) return new Unavailable(`virtual ${hex(at)} (${t.via} -> ${hex(t.pa)}): ${b.unavailable}`, at);
      parts.push(b);
      done += n;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /**
   * A naturally aligned word never crosses a page, so it is one translation and one load from
   * GuestMem (a single load there: a value the guest is updating reads whole, see guest-mem.ts).
   */
  private word<T>(va: bigint, size: 4 | 8, read: (pa: bigint) => T | Unavailable, slow: (b: Buffer) => T): T | Unavailable {
    if (va % BigInt(size) === 0n) {
      const t = this.toPhysical(va);
      if (t instanceof Unavailable) return t;
      const v = read(t.pa);
      return v instanceof Unavailable ? new Unavailable(`virtual ${hex(va)} (${t.via} -> ${hex(t.pa)}): ${v.unavailable}`, va) : v;
    }
    const b = this.readBytes(va, size);
    return b instanceof Unavailable ? b : slow(b);
  }

  readU32(va: bigint): number | Unavailable {
    return this.word(va, 4, (pa) => this.mem.readU32(pa), (b) => b.readUInt32LE(0));
  }

  readS32(va: bigint): number | Unavailable {
    const b = this.readBytes(va, 4);
    return b instanceof Unavailable ? b : b.readInt32LE(0);
  }

  readU64(va: bigint): bigint | Unavailable {
    return this.word(va, 8, (pa) => this.mem.readU64(pa), (b) => b.readBigUInt64LE(0));
  }

  readCString(va: bigint, max = 4096): string | Unavailable {
    // Page by page, so a short string near an unmapped page still reads.
    let out = '';
    let at = va;
    while (out.length < max) {
      const t = this.toPhysical(at);
      if (t instanceof Unavailable) return t;
      const toPage = Number(PAGE - (at & (PAGE - 1n)));
      const s = this.mem.readCString(t.pa, Math.min(toPage, max - out.length));
      if (s instanceof Unavailable) return s;
      out += s.text;
      if (!s.truncated) return out;
      at += BigInt(toPage);
    }
    return out;
  }
}

/** x86-64: the image, the direct map, and a walk from init_top_pgt. */
export class Translator extends KernelVirtualMemory {
  constructor(
    mem: GuestMem,
    readonly addressing: KernelAddressing,
  ) {
    super(mem);
  }

  /**
   * Reads what the translator needs from the running kernel: `symbols` from the guest (or a
   * System.map with its slide), `kernelCodeStart` from /proc/iomem when known.
   */
  static fromKernel(mem: GuestMem, symbols: Symbols, options: { kernelCodeStart?: bigint; levels?: PagingLevels } = {}): Translator | Unavailable {
    const text = symbols.address('_text');
    if (text instanceof Unavailable) return text;
    const end = symbols.address('_end');
    const textPa = options.kernelCodeStart ?? findImagePhysical(mem, symbols);
    if (textPa instanceof Unavailable) return textPa;
    const image = (va: bigint) => va - text + textPa;
    const pobVa = symbols.address('page_offset_base');
    if (pobVa instanceof Unavailable) return pobVa;
    const pageOffsetBase = mem.readU64(image(pobVa));
    if (pageOffsetBase instanceof Unavailable) return new Unavailable(`page_offset_base: ${pageOffsetBase.unavailable}`, pobVa);
    const pgdVa = symbols.address('init_top_pgt');
    const pgdVa2 = pgdVa instanceof Unavailable ? symbols.address('swapper_pg_dir') : pgdVa;
    if (pgdVa2 instanceof Unavailable) return new Unavailable('neither init_top_pgt nor swapper_pg_dir is in the symbols');
    const levels = options.levels ?? pagingLevels(mem, symbols, image);
    return new Translator(mem, {
      textVa: text,
      textPa,
      // Without _end, stop the linear range where the module area begins.
      endVa: end instanceof Unavailable ? START_KERNEL_MAP + (1n << 30n) : end,
      pageOffsetBase,
      pgd: image(pgdVa2),
      levels,
    });
  }

  /** The guest-physical address of `va` and which mapping gave it. */
  toPhysical(va: bigint): (Translation & { via: Via }) | Unavailable {
    const a = this.addressing;
    const v = BigInt.asUintN(64, va);
    if (v >= a.textVa && v < a.endVa) return { pa: v - a.textVa + a.textPa, pageSize: a.endVa - v, via: 'image' };
    // The direct map covers physical memory only: with KASLR (RANDOMIZE_MEMORY) vmalloc space
    // can start soon after it, so its extent is the guest's RAM, not the architectural maximum.
    const ramEnd = this.mem.end;
    if (v >= a.pageOffsetBase && v - a.pageOffsetBase < ramEnd) {
      return { pa: v - a.pageOffsetBase, pageSize: ramEnd - (v - a.pageOffsetBase), via: 'direct map' };
    }
    const t = walkPageTable(this.mem, a.pgd, v, a.levels);
    return t instanceof Unavailable ? t : { ...t, via: 'page table' };
  }
}

const PAGE = 0x1000n;

/**
 * The physical _text without /proc/iomem, when the symbols are the running kernel's (kallsyms).
 * The image is linear, pa = va - START_KERNEL_MAP + phys_base, and phys_base is a variable
 * inside it; so the right 2 MiB-aligned candidate for the physical _text is the one at which
 * phys_base reads back the value that candidate implies. linux_banner reading "Linux version"
 * at its place confirms it. phys_base wraps below zero when the virtual slide exceeds the
 * physical address, so it is compared modulo 2^64.
 */
export function findImagePhysical(mem: GuestMem, symbols: Symbols): bigint | Unavailable {
  const physBaseVa = symbols.address('phys_base');
  const banner = symbols.address('linux_banner');
  const text = symbols.address('_text');
  for (const u of [physBaseVa, banner, text]) if (u instanceof Unavailable) return u;
  const textVa = text as bigint;
  for (let textPa = 0n; textPa < mem.end; textPa += PHYSICAL_ALIGN) {
    const implied = BigInt.asUintN(64, textPa - (textVa - START_KERNEL_MAP));
    if (mem.readU64(textPa + ((physBaseVa as bigint) - textVa)) !== implied) continue;
    const s = mem.readCString(textPa + ((banner as bigint) - textVa), 32);
    if (!(s instanceof Unavailable) && s.text.startsWith('Linux version')) return textPa;
  }
  return new Unavailable('no 2 MiB-aligned physical _text has phys_base and linux_banner in place; pass kernelCodeStart from /proc/iomem');
}

/**
 * 4- or 5-level paging as the guest runs it. Kernels built for 5 levels fall back to 4 when the
 * CPU lacks LA57, and record the choice in `pgdir_shift` (48 with 5 levels, 39 with 4) or, in
 * older kernels, `__pgtable_l5_enabled`. Neither present: a 4-level-only kernel.
 */
function pagingLevels(mem: GuestMem, symbols: Symbols, image: (va: bigint) => bigint): PagingLevels {
  const shift = symbols.address('pgdir_shift');
  if (!(shift instanceof Unavailable)) {
    const v = mem.readU32(image(shift));
    if (v === 48) return 5;
    if (v === 39) return 4;
  }
  const l5 = symbols.address('__pgtable_l5_enabled');
  if (!(l5 instanceof Unavailable)) {
    const v = mem.readU32(image(l5));
    if (typeof v === 'number') return v ? 5 : 4;
  }
  return 4;
}
