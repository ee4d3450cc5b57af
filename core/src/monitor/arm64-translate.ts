/**
 * Kernel virtual -> guest-physical on arm64, the way the kernel maps memory there
 * (arch/arm64/include/asm/memory.h):
 *  - the kernel image (_text.._end): pa = va - kimage_voffset;
 *  - the linear map (PAGE_OFFSET..PAGE_END): pa = va - PAGE_OFFSET + memstart_addr;
 *  - everything else (vmalloc, modules, BPF programs and maps, later per-CPU chunks): a walk of
 *    the translation tables rooted at swapper_pg_dir (arm64-page-table.ts).
 *
 * Nothing is assumed about the build or the boot; every input comes from the running kernel:
 *  - where the image is: the 64 KiB-aligned guest-physical address holding the arm64 Image
 *    header's magic ("ARM\x64" at +0x38) with linux_banner at its offset from _text, and the
 *    kimage_voffset variable read there (so KASLR's slide falls out: running _text = pa +
 *    kimage_voffset, less the symbol table's _text);
 *  - the granule: the same header's flags (bits 1-2: 4, 16 or 64 KiB pages);
 *  - the VA size the MMU uses (vabits_actual, which 7.x keeps only in TCR_EL1, not in memory):
 *    the one, among those the granule allows, with which a walk from swapper_pg_dir maps _text
 *    to where the image is;
 *  - PAGE_OFFSET: -(2^VA_BITS) as compiled. A kernel built for 52-bit VA that runs with fewer
 *    bits moves memstart_addr down by the difference (arm64_memblock_init), which makes it
 *    negative: so a negative memstart_addr means VA_BITS = 52, else VA_BITS is the running size.
 *    The linear alias of _text, walked, must land on _text's physical address, or the kernel
 *    is not read at all (a wrong linear map would read wrong memory silently).
 */
import type { GuestMem } from './guest-mem.js';
import type { KernelImage } from './kaslr.js';
import type { Translation } from './page-table.js';
import { type Arm64Granule, type Arm64Paging, walkArm64 } from './arm64-page-table.js';
import type { Symbols } from './symbols.js';
import { KernelVirtualMemory, type Via } from './translate.js';
import { hex, Unavailable } from './unavailable.js';

/** "ARM\x64", little-endian, at offset 0x38 of an arm64 Image header (arch/arm64/include/asm/image.h). */
export const ARM64_IMAGE_MAGIC = 0x644d_5241;
export const ARM64_IMAGE_MAGIC_OFFSET = 0x38n;
export const ARM64_IMAGE_FLAGS_OFFSET = 0x18n;
/** The image is placed at a 64 KiB boundary at least (PE/COFF section alignment; QEMU uses 2 MiB). */
const IMAGE_SCAN_STEP = 0x1_0000n;
/** MIN_KIMG_ALIGN: the virtual and physical _text agree modulo 2 MiB (pi/map_kernel.c). */
const MIN_KIMG_ALIGN = 0x20_0000n;
const U64 = 1n << 64n;

/** The Image header's page-size flag (bits 1-2): 1 = 4 KiB, 2 = 16 KiB, 3 = 64 KiB; 0 = not said. */
const GRANULE_FLAG: Readonly<Record<number, Arm64Granule>> = { 1: 4096, 2: 16384, 3: 65536 };

/** The VA sizes a granule's kernels are built for, most common first: the candidates for vabits_actual. */
const VA_SIZES: Readonly<Record<Arm64Granule, readonly number[]>> = {
  4096: [48, 52, 39],
  16384: [47, 48, 52, 36],
  65536: [48, 52, 42],
};

export interface Arm64Image extends KernelImage {
  /** The kernel's page size, from its Image header. */
  granule: Arm64Granule;
  /** Running virtual minus physical address of the image (the kernel's kimage_voffset). */
  kimageVoffset: bigint;
}

/** Where an arm64 kernel image is, from its symbols (link-time or running) and guest memory. */
export function locateArm64Image(mem: GuestMem, symbols: Symbols): Arm64Image | Unavailable {
  const text = symbols.address('_text');
  const banner = symbols.address('linux_banner');
  const voffset = symbols.address('kimage_voffset');
  for (const u of [text, banner, voffset]) if (u instanceof Unavailable) return u;
  const bannerOff = (banner as bigint) - (text as bigint);
  const voffsetOff = (voffset as bigint) - (text as bigint);
  const first = ((mem.start + IMAGE_SCAN_STEP - 1n) / IMAGE_SCAN_STEP) * IMAGE_SCAN_STEP;
  for (let pa = first; pa < mem.end; pa += IMAGE_SCAN_STEP) {
    if (mem.readU32(pa + ARM64_IMAGE_MAGIC_OFFSET) !== ARM64_IMAGE_MAGIC) continue;
    const s = mem.readCString(pa + bannerOff, 16);
    if (s instanceof Unavailable || !s.text.startsWith('Linux version ')) continue;
    const kv = mem.readU64(pa + voffsetOff);
    if (kv instanceof Unavailable) continue;
    const textVa = BigInt.asUintN(64, pa + kv);
    // An Image copy elsewhere (the page cache, a kexec buffer) has a kimage_voffset that does not place it.
    if (kv % MIN_KIMG_ALIGN !== 0n || textVa >> 63n !== 1n) continue;
    const flags = mem.readU64(pa + ARM64_IMAGE_FLAGS_OFFSET);
    const granule = flags instanceof Unavailable ? undefined : GRANULE_FLAG[Number((flags >> 1n) & 3n)];
    if (granule === undefined) return new Unavailable(`the arm64 Image header at guest-physical ${hex(pa)} does not say its page size (flags ${flags instanceof Unavailable ? flags.unavailable : hex(flags)})`, pa);
    return { textPa: pa, textVa, slide: BigInt.asUintN(64, textVa - (text as bigint)), granule, kimageVoffset: kv };
  }
  return new Unavailable(`no 64 KiB-aligned guest-physical address in ${hex(mem.start)}..${hex(mem.end)} holds an arm64 Image header with linux_banner at its offset from _text: not this kernel's symbols, or the kernel is not up yet`);
}

export interface Arm64Addressing {
  /** Running virtual address of _text. */
  textVa: bigint;
  /** Guest-physical address of _text. */
  textPa: bigint;
  /** Running virtual address of _end: the image's linear mapping ends there. */
  endVa: bigint;
  /** PAGE_OFFSET as the kernel was built: -(2^VA_BITS). */
  pageOffset: bigint;
  /** PAGE_END: the linear map lies in [the running PAGE_OFFSET, PAGE_END). */
  pageEnd: bigint;
  /** memstart_addr (PHYS_OFFSET), signed: a linear address's pa is va - pageOffset + memstart. */
  memstart: bigint;
  /** Guest-physical address of swapper_pg_dir, the root of the kernel's translation tables. */
  root: bigint;
  paging: Arm64Paging;
}

/** arm64: the image, the linear map, and a walk from swapper_pg_dir. */
export class Arm64Translator extends KernelVirtualMemory {
  constructor(
    mem: GuestMem,
    readonly addressing: Arm64Addressing,
  ) {
    super(mem);
  }

  /** Reads what the translation needs from the running kernel: `symbols` are this boot's (slid), `image` from locateArm64Image. */
  static fromKernel(mem: GuestMem, symbols: Symbols, image: Arm64Image): Arm64Translator | Unavailable {
    const a = arm64Addressing(mem, symbols, image);
    return a instanceof Unavailable ? a : new Arm64Translator(mem, a);
  }

  toPhysical(va: bigint): (Translation & { via: Via }) | Unavailable {
    const a = this.addressing;
    const v = BigInt.asUintN(64, va);
    if (v >= a.textVa && v < a.endVa) return { pa: v - a.textVa + a.textPa, pageSize: a.endVa - v, via: 'image' };
    if (v >= a.pageOffset && v < a.pageEnd) {
      const pa = v - a.pageOffset + a.memstart;
      // Only RAM is in the linear map; anything else there (the unused part below a smaller
      // running PAGE_OFFSET) has no memory behind it.
      if (!this.mem.contains(pa)) return new Unavailable(`virtual ${hex(v)}: linear map -> guest-physical ${pa < 0n ? `-${hex(-pa)}` : hex(pa)}, which is not guest RAM`, v);
      return { pa, pageSize: this.mem.end - pa, via: 'linear map' };
    }
    const t = walkArm64(this.mem, a.root, v, a.paging);
    return t instanceof Unavailable ? t : { ...t, via: 'page table' };
  }
}

/** The linear map, the image and the walk's parameters, found as the file's header says. */
export function arm64Addressing(mem: GuestMem, symbols: Symbols, image: Arm64Image): Arm64Addressing | Unavailable {
  const need = (name: string) => symbols.address(name);
  const [text, end, swapper, memstartVa] = ['_text', '_end', 'swapper_pg_dir', 'memstart_addr'].map(need);
  for (const u of [text, end, swapper, memstartVa]) if (u instanceof Unavailable) return u;
  if (text !== image.textVa) return new Unavailable(`the symbols' _text ${hex(text as bigint)} is not the running ${hex(image.textVa)}: slide the symbols first (Symbols.withSlide)`);
  const imagePa = (va: bigint) => va - image.kimageVoffset;
  const memstartRaw = mem.readU64(imagePa(memstartVa as bigint));
  if (memstartRaw instanceof Unavailable) return new Unavailable(`memstart_addr: ${memstartRaw.unavailable}`, memstartVa as bigint);
  const memstart = BigInt.asIntN(64, memstartRaw);
  const root = imagePa(swapper as bigint);
  const { granule } = image;
  // The running VA size: the one with which swapper_pg_dir maps both _text and swapper_pg_dir itself where they are.
  const tried: string[] = [];
  let paging: Arm64Paging | undefined;
  for (const vaBits of VA_SIZES[granule]) {
    const p: Arm64Paging = { granule, vaBits, lpa2: vaBits === 52 && granule !== 65536 };
    const t = walkArm64(mem, root, image.textVa, p);
    const s = walkArm64(mem, root, swapper as bigint, p);
    if (!(t instanceof Unavailable) && t.pa === image.textPa && !(s instanceof Unavailable) && s.pa === root) {
      paging = p;
      break;
    }
    tried.push(`${vaBits}-bit: ${t instanceof Unavailable ? t.unavailable : `_text -> ${hex(t.pa)}`}`);
  }
  if (!paging) return new Unavailable(`swapper_pg_dir at guest-physical ${hex(root)} maps _text (${hex(image.textVa)}) to ${hex(image.textPa)} with none of the VA sizes a ${granule}-byte granule allows (${tried.join('; ')})`);
  const vaBitsBuilt = memstart < 0n ? 52 : paging.vaBits;
  const vaBitsMin = vaBitsBuilt > 48 ? (granule === 16384 ? 47 : 48) : vaBitsBuilt;
  const pageOffset = U64 - (1n << BigInt(vaBitsBuilt));
  const pageEnd = U64 - (1n << BigInt(vaBitsMin - 1));
  // The linear alias of _text, walked, must be where the formula puts it.
  const alias = BigInt.asUintN(64, image.textPa - memstart + pageOffset);
  const walked = walkArm64(mem, root, alias, paging);
  if (walked instanceof Unavailable || walked.pa !== image.textPa || alias >= pageEnd) {
    return new Unavailable(`the linear map (PAGE_OFFSET ${hex(pageOffset)}, memstart_addr ${memstart < 0n ? `-${hex(-memstart)}` : hex(memstart)}) puts _text's alias at ${hex(alias)}, `
      + `which swapper_pg_dir maps ${walked instanceof Unavailable ? `nowhere (${walked.unavailable})` : `to ${hex(walked.pa)}, not ${hex(image.textPa)}`}`);
  }
  return { textVa: image.textVa, textPa: image.textPa, endVa: end as bigint, pageOffset, pageEnd, memstart, root, paging };
}
