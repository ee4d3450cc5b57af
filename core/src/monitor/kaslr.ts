/**
 * Where a (possibly randomized) kernel image is, from link-time symbols and guest memory alone.
 *
 * With KASLR the kernel moves physically and virtually, by independent random amounts, on each
 * boot. A symbol table with link-time addresses (a real System.map, or /proc/kallsyms captured
 * from a `nokaslr` boot, which runs at the link addresses) still gives every offset inside the
 * image, so:
 *  - the physical _text is the 2 MiB-aligned address (CONFIG_PHYSICAL_ALIGN) at which
 *    linux_banner, at its offset from _text, reads "Linux version";
 *  - the virtual _text follows from phys_base, read at its offset from that physical _text: the
 *    kernel maps its image linearly, va = pa - phys_base + START_KERNEL_MAP.
 * This is how the monitor follows a restored or cold-booted guest whatever its slide, without
 * asking the guest.
 */
import type { GuestMem } from './guest-mem.js';
import type { Symbols } from './symbols.js';
import { PHYSICAL_ALIGN, START_KERNEL_MAP } from './translate.js';
import { Unavailable } from './unavailable.js';

/** The randomized image occupies at most the first 1 GiB above START_KERNEL_MAP (KERNEL_IMAGE_SIZE). */
const KERNEL_IMAGE_SIZE = 1n << 30n;

export interface KernelImage {
  /** Guest-physical address of _text. */
  textPa: bigint;
  /** Running virtual address of _text. */
  textVa: bigint;
  /** Running minus link-time virtual addresses: what `Symbols.withSlide` takes. */
  slide: bigint;
}

export function locateKernelImage(mem: GuestMem, linked: Symbols): KernelImage | Unavailable {
  const text = linked.address('_text');
  const banner = linked.address('linux_banner');
  const physBase = linked.address('phys_base');
  for (const u of [text, banner, physBase]) if (u instanceof Unavailable) return u;
  const bannerOff = (banner as bigint) - (text as bigint);
  const physBaseOff = (physBase as bigint) - (text as bigint);
  for (let pa = 0n; pa < mem.end; pa += PHYSICAL_ALIGN) {
    const s = mem.readCString(pa + bannerOff, 16);
    if (s instanceof Unavailable || !s.text.startsWith('Linux version ')) continue;
    const pb = mem.readU64(pa + physBaseOff);
    if (pb instanceof Unavailable) continue;
    const textVa = BigInt.asUintN(64, pa - pb + START_KERNEL_MAP);
    // A banner copy elsewhere (a page-cache page) would give a phys_base that places _text nowhere sensible.
    if (textVa < START_KERNEL_MAP || textVa >= START_KERNEL_MAP + KERNEL_IMAGE_SIZE || textVa % PHYSICAL_ALIGN !== 0n) continue;
    return { textPa: pa, textVa, slide: textVa - (text as bigint) };
  }
  return new Unavailable(`no 2 MiB-aligned guest-physical address below 0x${mem.end.toString(16)} holds linux_banner at its offset from _text: not this kernel's symbols, or the kernel is not up yet`);
}
