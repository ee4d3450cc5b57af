/**
 * Kernel symbol addresses, by name and back.
 *
 * Two sources, one format ("<hex address> <type> <name>[ [module]]" per line):
 *  - the guest's /proc/kallsyms, read by root inside the guest. Its addresses are the running
 *    kernel's, so the KASLR slide is already applied; it is the source for kernels shipped
 *    without a symbol table (Debian's System.map is a one-line placeholder);
 *  - a real System.map from the kernel build: link-time addresses, correct as they are under
 *    `nokaslr` and shifted by the slide otherwise (`withSlide`, the slide being the running
 *    `_text` minus the linked one).
 * docs/monitor.md ("Symbols") says why the host takes them from the guest.
 */
import { hex, Unavailable } from './unavailable.js';

/** START_KERNEL_MAP: image symbols lie above it (translate.ts has the same constant, which imports this file's types). */
const IMAGE_MAP_START = 0xffff_ffff_8000_0000n;

export type SymbolSource = 'kallsyms' | 'System.map' | 'vmlinux';

export interface KernelSymbol {
  name: string;
  address: bigint;
  /** nm-style type letter: T/t text, D/d data, B/b bss, R/r read-only, A absolute, ... */
  type: string;
  /** Set for module symbols ("[ext4]" in kallsyms). */
  module?: string;
}

export class Symbols {
  private readonly byName = new Map<string, KernelSymbol[]>();
  /** Sorted by address, for `nearest`. */
  private readonly sorted: KernelSymbol[];

  constructor(
    symbols: readonly KernelSymbol[],
    readonly source: SymbolSource,
    /** Added to every address already (0n for kallsyms and for a System.map under nokaslr). */
    readonly slide = 0n,
  ) {
    for (const s of symbols) {
      const list = this.byName.get(s.name);
      if (list) list.push(s);
      else this.byName.set(s.name, [s]);
    }
    this.sorted = [...symbols].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  }

  static parse(text: string, source: SymbolSource): Symbols {
    const out: KernelSymbol[] = [];
    for (const line of text.split('\n')) {
      const m = /^([0-9a-fA-F]+)\s+(\S)\s+(\S+)(.*)$/.exec(line);
      if (!m) continue;
      const module = /^\s+\[(\S+)\]/.exec(m[4]!)?.[1];
      out.push({ address: BigInt(`0x${m[1]}`), type: m[2]!, name: m[3]!, ...(module ? { module } : {}) });
    }
    return new Symbols(out, source);
  }

  /**
   * The architecture the table describes: arm64 kernels have kimage_voffset (the image's
   * virtual-to-physical offset), which x86-64 has no use for.
   */
  get arch(): 'x86_64' | 'aarch64' {
    return this.byName.has('kimage_voffset') ? 'aarch64' : 'x86_64';
  }

  get size(): number {
    return this.sorted.length;
  }

  /**
   * Why this table cannot give addresses, or undefined when it can: Debian ships a one-line
   * placeholder System.map, and /proc/kallsyms read without CAP_SYSLOG shows every address as 0.
   */
  unusableReason(): string | undefined {
    if (this.sorted.length === 0) return `the ${this.source} has no symbols`;
    if (!this.byName.has('_text')) {
      return `the ${this.source} has no _text (${this.sorted.length} line(s)${this.sorted.length === 1 ? `: "${this.sorted[0]!.name}"` : ''}): a placeholder, not a symbol table`;
    }
    if (this.byName.get('_text')![0]!.address === 0n) return `the ${this.source} shows zero addresses: it was read without CAP_SYSLOG`;
    return undefined;
  }

  /**
   * The same symbols moved by `slide` (link-time symbols under KASLR). Only the kernel image
   * moves: absolute symbols (type A) and module symbols keep their addresses.
   */
  withSlide(slide: bigint): Symbols {
    // The image is _text.._end (arm64's lies far below x86's START_KERNEL_MAP); on x86-64 every
    // symbol above START_KERNEL_MAP moves with it too.
    const text = this.byName.get('_text')?.[0]?.address;
    const end = this.byName.get('_end')?.[0]?.address;
    const inImage = (a: bigint) => a >= IMAGE_MAP_START || (text !== undefined && end !== undefined && a >= text && a <= end);
    const moves = (s: KernelSymbol) => s.module === undefined && s.type !== 'A' && s.type !== 'a' && inImage(s.address);
    const moved = this.sorted.map((s) => (moves(s) ? { ...s, address: BigInt.asUintN(64, s.address + slide) } : s));
    return new Symbols(moved, this.source, this.slide + slide);
  }

  /** The address of a core-kernel symbol (the first, if a static name repeats), or Unavailable naming it. */
  address(name: string): bigint | Unavailable {
    const list = this.byName.get(name);
    const s = list?.find((x) => x.module === undefined) ?? list?.[0];
    if (!s) return new Unavailable(`symbol ${name}: not in the ${this.source} (${this.sorted.length} symbols)`);
    return s.address;
  }

  /** Every symbol of that name (static functions repeat across files). */
  all(name: string): readonly KernelSymbol[] {
    return this.byName.get(name) ?? [];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The symbol at or below `address` and the distance from it, e.g. for "schedule+0x3a". */
  nearest(address: bigint): { symbol: KernelSymbol; offset: bigint } | undefined {
    let lo = 0;
    let hi = this.sorted.length - 1;
    let best: KernelSymbol | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.sorted[mid]!;
      if (s.address <= address) {
        best = s;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return best ? { symbol: best, offset: address - best.address } : undefined;
  }

  describe(address: bigint): string {
    const n = this.nearest(address);
    return n ? `${n.symbol.name}+${hex(n.offset)}` : hex(address);
  }
}
