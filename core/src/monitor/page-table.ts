/**
 * x86-64 page-table walks over guest memory: virtual -> guest-physical for addresses outside the
 * kernel's linear ranges (vmalloc, per-CPU chunks allocated there, BPF programs and maps).
 *
 * The walk reads at most one entry per level (4 or 5), so it always ends: an entry that points
 * back at its own table just makes the next level read the same table again, and the walk stops
 * after the last level whatever it found. Every entry is read through GuestMem, so a table
 * outside guest RAM is an Unavailable naming the level, never a host read.
 */
import type { GuestMem } from './guest-mem.js';
import { hex, Unavailable } from './unavailable.js';

export type PagingLevels = 4 | 5;

/** Bits 12..51 of an entry: the next table's (or the page's) physical address. */
export const PTE_ADDR_MASK = 0x000f_ffff_ffff_f000n;
const PRESENT = 1n;
/** PS: this entry maps a page (2 MiB in a PMD, 1 GiB in a PUD) instead of pointing at a table. */
const PAGE_SIZE_BIT = 1n << 7n;

export const PAGE_4K = 1n << 12n;
export const PAGE_2M = 1n << 21n;
export const PAGE_1G = 1n << 30n;

const LEVEL_NAMES = ['PTE', 'PMD', 'PUD', 'P4D', 'PGD'] as const;

export interface Translation {
  pa: bigint;
  /** The size of the page that maps the address. */
  pageSize: bigint;
}

/**
 * The kernel page-global directory's physical address from a CR3 value: drops the PCID (bits
 * 0..11) and the no-flush bit (63), and with page-table isolation also bit 12, which selects the
 * user copy of the 8 KiB PGD pair (PTI_USER_PGTABLE_BIT). Without PTI bit 12 is address, so
 * `pti` must be known (the guest's CPU model and `mitigations=off` make it false here).
 */
export function pgdFromCr3(cr3: bigint, options: { pti: boolean }): bigint {
  let pgd = cr3 & PTE_ADDR_MASK;
  if (options.pti) pgd &= ~(1n << 12n);
  return pgd;
}

/** True when `va` is canonical for the paging mode (bits above the top level sign-extend it). */
export function isCanonical(va: bigint, levels: PagingLevels): boolean {
  const bits = levels === 5 ? 57n : 48n;
  const top = BigInt.asUintN(64, va) >> (bits - 1n);
  return top === 0n || top === (1n << (65n - bits)) - 1n;
}

/**
 * Walks the tables rooted at guest-physical `pgd` for virtual address `va`. Huge pages (PS set in
 * a PUD or PMD entry) end the walk early with their page size.
 */
export function walkPageTable(mem: GuestMem, pgd: bigint, va: bigint, levels: PagingLevels): Translation | Unavailable {
  const v = BigInt.asUintN(64, va);
  if (!isCanonical(v, levels)) return new Unavailable(`virtual ${hex(v)}: not canonical for ${levels}-level paging`, v);
  let table = pgd & PTE_ADDR_MASK;
  // level: 4 = PGD (5-level) / 3 = PGD or P4D ... / 0 = PTE; shift = 12 + 9 * level.
  for (let level = levels - 1; level >= 0; level--) {
    const shift = 12n + 9n * BigInt(level);
    const index = (v >> shift) & 0x1ffn;
    const name = levels === 4 && level === 3 ? 'PGD' : LEVEL_NAMES[level]!;
    const entryPa = table + index * 8n;
    const entry = mem.readU64(entryPa);
    if (entry instanceof Unavailable) {
      return new Unavailable(`virtual ${hex(v)}: ${name} entry ${index} at guest-physical ${hex(entryPa)} is outside guest RAM`, v);
    }
    if ((entry & PRESENT) === 0n) return new Unavailable(`virtual ${hex(v)}: ${name} entry ${index} not present (${hex(entry)})`, v);
    if (level === 0) return { pa: (entry & PTE_ADDR_MASK) | (v & (PAGE_4K - 1n)), pageSize: PAGE_4K };
    if ((level === 1 || level === 2) && (entry & PAGE_SIZE_BIT) !== 0n) {
      const size = 1n << shift;
      // Bit 12 of a huge-page entry is PAT, not address: mask to the page's alignment.
      return { pa: (entry & PTE_ADDR_MASK & ~(size - 1n)) | (v & (size - 1n)), pageSize: size };
    }
    table = entry & PTE_ADDR_MASK;
  }
  return new Unavailable(`virtual ${hex(v)}: walk ended without a page`, v);
}
