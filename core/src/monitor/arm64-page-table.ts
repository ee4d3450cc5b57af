/**
 * arm64 translation-table walks over guest memory (VMSAv8-64, stage 1, the kernel's TTBR1 half):
 * virtual -> guest-physical for addresses outside the kernel's linear ranges (vmalloc, BPF
 * programs and maps, per-CPU chunks allocated there, modules).
 *
 * The walk is the MMU's, not the kernel's C helpers': the number of levels and the width of the
 * top-level index follow from the granule and the virtual-address size the MMU translates
 * (64 - TCR_EL1.T1SZ), so a kernel built for 52-bit VA that runs with 48 bits (its p4d folded at
 * run time) is walked as the hardware walks it.
 *
 *  granule  bits/level  VA bits -> levels (first level)   blocks at
 *  4 KiB        9       39 -> 3 (1), 48 -> 4 (0), 52 -> 5 (-1)   level 1 (1 GiB), 2 (2 MiB); 0 (512 GiB) with LPA2
 *  16 KiB      11       36 -> 2 (2), 47 -> 3 (1), 48/52 -> 4 (0) level 2 (32 MiB); 1 (64 GiB) with LPA2
 *  64 KiB      13       42 -> 2 (2), 48/52 -> 3 (1)              level 2 (512 MiB); 1 (4 TiB) with 52-bit PA
 *
 * A descriptor's bits 1:0 say what it is: x0 invalid, 01 a block (where the granule allows one;
 * reserved elsewhere and at level 3), 11 a table (levels < 3) or a page (level 3). Its output
 * address is bits [47:granule] — plus, for 52-bit physical addresses, bits 15:12 as PA[51:48]
 * with 64 KiB pages (FEAT_LPA), or bits [49:granule] and bits 9:8 as PA[51:50] with 4/16 KiB
 * pages under FEAT_LPA2 (TCR_EL1.DS=1; without it bits 9:8 are shareability, not address).
 *
 * The walk reads at most one descriptor per level, so it always ends: a table that points back
 * at itself only makes the next level read the same table. Every descriptor is read through
 * GuestMem, so a table outside guest RAM is an Unavailable naming the level, never a host read.
 */
import type { GuestMem } from './guest-mem.js';
import type { Translation } from './page-table.js';
import { hex, Unavailable } from './unavailable.js';

export type Arm64Granule = 4096 | 16384 | 65536;

export interface Arm64Paging {
  /** The translation granule (the kernel's PAGE_SIZE). */
  granule: Arm64Granule;
  /** Virtual-address bits the MMU translates for the kernel half: 64 - TCR_EL1.T1SZ (vabits_actual). */
  vaBits: number;
  /** FEAT_LPA2 descriptors are in use (TCR_EL1.DS=1): only with 4/16 KiB granules and 52-bit addresses. */
  lpa2: boolean;
}

const SHIFT: Readonly<Record<Arm64Granule, bigint>> = { 4096: 12n, 16384: 14n, 65536: 16n };

/** The levels a walk goes through: `first` (-1..3) down to 3, each level's index width, and the shift of its index. */
export function arm64Levels(p: Pick<Arm64Paging, 'granule' | 'vaBits'>): { first: number; levels: number } | string {
  const g = SHIFT[p.granule];
  if (g === undefined) return `granule ${p.granule}: not 4096, 16384 or 65536`;
  const perLevel = g - 3n;
  const va = BigInt(p.vaBits);
  if (!Number.isInteger(p.vaBits) || va <= g + perLevel - 1n || va > 52n) return `${p.vaBits}-bit virtual addresses: outside what a ${p.granule}-byte granule translates (${g + perLevel}..52)`;
  const levels = Number((va - g + perLevel - 1n) / perLevel);
  const first = 4 - levels;
  if (first < (p.granule === 4096 ? -1 : 0)) return `${p.vaBits}-bit virtual addresses need ${levels} levels of ${p.granule}-byte tables`;
  return { first, levels };
}

/** Whether a block descriptor may appear at `level` (else its 01 encoding is reserved, i.e. invalid). */
function blockAllowed(p: Arm64Paging, level: number): boolean {
  if (level === 2) return true;
  if (p.granule === 4096) return level === 1 || (level === 0 && p.lpa2);
  if (p.granule === 16384) return level === 1 && p.lpa2;
  // 64 KiB: level 1 blocks (4 TiB) exist with 52-bit physical addresses; harmless to accept otherwise.
  return level === 1;
}

const bits = (hi: bigint, lo: bigint) => ((1n << (hi + 1n)) - 1n) & ~((1n << lo) - 1n);

/** The output address a table, block or page descriptor carries (aligned to the granule; blocks mask more). */
export function descriptorAddress(desc: bigint, p: Pick<Arm64Paging, 'granule' | 'lpa2'>): bigint {
  const g = SHIFT[p.granule];
  if (p.granule === 65536) return (desc & bits(47n, g)) | (((desc >> 12n) & 0xfn) << 48n);
  if (p.lpa2) return (desc & bits(49n, g)) | (((desc >> 8n) & 0x3n) << 50n);
  return desc & bits(47n, g);
}

/**
 * Walks the tables rooted at guest-physical `root` (TTBR1's base address: swapper_pg_dir) for the
 * kernel virtual address `va`. Blocks end the walk early with their size as the page size.
 */
export function walkArm64(mem: GuestMem, root: bigint, va: bigint, p: Arm64Paging): Translation | Unavailable {
  const v = BigInt.asUintN(64, va);
  const shape = arm64Levels(p);
  if (typeof shape === 'string') return new Unavailable(`virtual ${hex(v)}: ${shape}`, v);
  const vaBits = BigInt(p.vaBits);
  // TTBR1 translates the top of the address space: every bit above the VA size is 1.
  if (v >> vaBits !== (1n << (64n - vaBits)) - 1n) return new Unavailable(`virtual ${hex(v)}: not a kernel (TTBR1) address with ${p.vaBits}-bit virtual addresses`, v);
  const g = SHIFT[p.granule];
  const perLevel = g - 3n;
  let table = root;
  let from = 'the root (swapper_pg_dir)';
  for (let level = shape.first; level <= 3; level++) {
    const shift = g + perLevel * BigInt(3 - level);
    const width = vaBits - shift < perLevel ? vaBits - shift : perLevel;
    const index = (v >> shift) & ((1n << width) - 1n);
    const at = table + index * 8n;
    const desc = mem.readU64(at);
    if (desc instanceof Unavailable) {
      return new Unavailable(`virtual ${hex(v)}: level ${level} descriptor ${index} at guest-physical ${hex(at)} is outside guest RAM (${from} pointed there)`, v);
    }
    if ((desc & 1n) === 0n) return new Unavailable(`virtual ${hex(v)}: level ${level} descriptor ${index} is invalid (${hex(desc)})`, v);
    const table11 = (desc & 2n) !== 0n;
    if (level === 3) {
      if (!table11) return new Unavailable(`virtual ${hex(v)}: level 3 descriptor ${index} has the reserved type 01 (${hex(desc)})`, v);
      return { pa: descriptorAddress(desc, p) | (v & ((1n << g) - 1n)), pageSize: 1n << g };
    }
    if (!table11) {
      if (!blockAllowed(p, level)) return new Unavailable(`virtual ${hex(v)}: level ${level} descriptor ${index} is a block, which a ${p.granule}-byte granule does not allow there (${hex(desc)})`, v);
      const size = 1n << shift;
      return { pa: (descriptorAddress(desc, p) & ~(size - 1n)) | (v & (size - 1n)), pageSize: size };
    }
    table = descriptorAddress(desc, p);
    from = `level ${level} descriptor ${index} (${hex(desc)})`;
  }
  return new Unavailable(`virtual ${hex(v)}: walk ended without a page`, v);
}
