/**
 * Where each guest-physical address lives on the host: which node's RAM file, at which offset.
 *
 * QEMU builds the machine's RAM as one block made of the NUMA nodes' backends in node order
 * (node 0's file first), then shows that block to the guest in two pieces (hw/i386/pc_q35.c,
 * pc_memory_init): the first `below4g` bytes at guest-physical 0, the rest at 4 GiB. q35 keeps
 * below 4 GiB at most 2.75 GiB of RAM (0xb0000000, leaving room for the PCI hole and MMCONFIG),
 * or only 2 GiB once the whole RAM reaches 2.75 GiB, so that 1 GiB-aligned guest addresses stay
 * 1 GiB-aligned in the block. A node can therefore be split across the 4 GiB boundary.
 *
 * The legacy VGA/option-ROM window (0xa0000–0xfffff) is backed by the RAM file but the guest
 * sees device memory there, so it is a hole here too: reading the file there would not be what
 * the guest reads.
 */

export const FOUR_GIB = 0x1_0000_0000n;
/** q35's below-4G RAM when the whole RAM is smaller than this. */
export const Q35_LOWMEM_SMALL = 0xb000_0000n;
/** q35's below-4G RAM once the whole RAM reaches Q35_LOWMEM_SMALL. */
export const Q35_LOWMEM_LARGE = 0x8000_0000n;
/** Guest-physical [start, end) the guest sees as VGA memory and ROMs, not RAM. */
export const LEGACY_HOLE = { start: 0xa_0000n, end: 0x10_0000n } as const;

/** One node's backing file. */
export interface NodeRam {
  node: number;
  /** Host path of the node's RAM file (memory-backend-file mem-path). */
  file: string;
  /** The backend's size in bytes. */
  bytes: bigint;
}

/** A run of guest-physical addresses backed contiguously by one file. */
export interface RamRegion {
  node: number;
  file: string;
  /** First guest-physical address. */
  start: bigint;
  /** One past the last guest-physical address. */
  end: bigint;
  /** File offset of `start`. */
  fileOffset: bigint;
}

/** Where a guest-physical address is: its region and file offset, and how many bytes follow in the region. */
export interface RamLocation {
  region: RamRegion;
  fileOffset: bigint;
  /** Bytes from the address to the region's end. */
  contiguous: bigint;
}

export class RamLayout {
  /** Sorted by `start`, non-overlapping. */
  readonly regions: readonly RamRegion[];

  constructor(regions: readonly RamRegion[]) {
    this.regions = [...regions].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    for (let i = 1; i < this.regions.length; i++) {
      if (this.regions[i]!.start < this.regions[i - 1]!.end) {
        throw new RangeError(`RAM regions overlap at guest-physical 0x${this.regions[i]!.start.toString(16)}`);
      }
    }
  }

  /** Total guest RAM bytes the layout covers (holes excluded). */
  get totalBytes(): bigint {
    return this.regions.reduce((s, r) => s + (r.end - r.start), 0n);
  }

  /** The location of `pa`, or undefined when no RAM is there (a hole, MMIO, past the end). */
  locate(pa: bigint): RamLocation | undefined {
    // Binary search: a layout has a handful of regions, but this runs for every read.
    let lo = 0;
    let hi = this.regions.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.regions[mid]!;
      if (pa < r.start) hi = mid - 1;
      else if (pa >= r.end) lo = mid + 1;
      else return { region: r, fileOffset: r.fileOffset + (pa - r.start), contiguous: r.end - pa };
    }
    return undefined;
  }
}

/** How much of the RAM QEMU's q35 machine puts below 4 GiB. */
export function q35Below4g(totalBytes: bigint): bigint {
  const lowmem = totalBytes >= Q35_LOWMEM_SMALL ? Q35_LOWMEM_LARGE : Q35_LOWMEM_SMALL;
  return totalBytes < lowmem ? totalBytes : lowmem;
}

/**
 * The layout of a q35 machine whose RAM is `nodes` (in node order, as qemu-args.ts passes them to
 * `-numa node,memdev=` or, for one node, `-machine memory-backend=`).
 */
export function q35RamLayout(nodes: readonly NodeRam[]): RamLayout {
  const ordered = [...nodes].sort((a, b) => a.node - b.node);
  const total = ordered.reduce((s, n) => s + n.bytes, 0n);
  const below = q35Below4g(total);
  const regions: RamRegion[] = [];
  // Machine RAM offset -> guest-physical: [0, below) at 0, [below, total) at 4 GiB.
  const pieces = [
    { ramStart: 0n, ramEnd: below, gpa: 0n },
    { ramStart: below, ramEnd: total, gpa: FOUR_GIB },
  ];
  let nodeStart = 0n;
  for (const n of ordered) {
    const nodeEnd = nodeStart + n.bytes;
    for (const p of pieces) {
      const from = nodeStart > p.ramStart ? nodeStart : p.ramStart;
      const to = nodeEnd < p.ramEnd ? nodeEnd : p.ramEnd;
      if (from >= to) continue;
      const start = p.gpa + (from - p.ramStart);
      const end = p.gpa + (to - p.ramStart);
      const fileOffset = from - nodeStart;
      regions.push(...cutHole({ node: n.node, file: n.file, start, end, fileOffset }, LEGACY_HOLE));
    }
    nodeStart = nodeEnd;
  }
  return new RamLayout(regions);
}

/** Where QEMU's arm64 `virt` board puts RAM (hw/arm/virt.c, VIRT_MEM): 1 GiB, below it flash and devices. */
export const VIRT_RAM_BASE = 0x4000_0000n;

/**
 * The layout of an arm64 `virt` machine whose RAM is `nodes` (qemu-args-aarch64.ts): the nodes'
 * backends end to end in node order from VIRT_RAM_BASE, with no hole (the board's devices all
 * sit below it). Seen in a guest's /proc/iomem: one "System RAM" line 0x40000000-0x5fffffff for
 * one node of 512 MiB.
 */
export function virtRamLayout(nodes: readonly NodeRam[]): RamLayout {
  const ordered = [...nodes].sort((a, b) => a.node - b.node);
  const regions: RamRegion[] = [];
  let at = VIRT_RAM_BASE;
  for (const n of ordered) {
    regions.push({ node: n.node, file: n.file, start: at, end: at + n.bytes, fileOffset: 0n });
    at += n.bytes;
  }
  return new RamLayout(regions);
}

function cutHole(r: RamRegion, hole: { start: bigint; end: bigint }): RamRegion[] {
  if (hole.end <= r.start || hole.start >= r.end) return [r];
  const out: RamRegion[] = [];
  if (r.start < hole.start) out.push({ ...r, end: hole.start });
  if (hole.end < r.end) out.push({ ...r, start: hole.end, fileOffset: r.fileOffset + (hole.end - r.start) });
  return out;
}

/** A "System RAM" range from the guest's /proc/iomem, inclusive end as the file prints it. */
export interface IomemRange {
  start: bigint;
  /** Inclusive. */
  end: bigint;
  name: string;
  /** Nesting depth (two spaces per level in /proc/iomem). */
  depth: number;
}

/** Parses /proc/iomem (read as root: unprivileged readers see zeros). */
export function parseIomem(text: string): IomemRange[] {
  const out: IomemRange[] = [];
  for (const line of text.split('\n')) {
    const m = /^( *)([0-9a-fA-F]+)-([0-9a-fA-F]+) : (.*)$/.exec(line);
    if (!m) continue;
    out.push({ start: BigInt(`0x${m[2]}`), end: BigInt(`0x${m[3]}`), name: m[4]!.trim(), depth: m[1]!.length / 2 });
  }
  return out;
}

/**
 * System RAM ranges the guest reports that the layout does not back, as messages; empty when
 * every byte the kernel treats as RAM is in a RAM file where the layout says.
 */
export function uncoveredSystemRam(layout: RamLayout, iomem: readonly IomemRange[]): string[] {
  const problems: string[] = [];
  for (const r of iomem) {
    if (r.depth !== 0 || r.name !== 'System RAM') continue;
    let pa = r.start;
    while (pa <= r.end) {
      const loc = layout.locate(pa);
      if (!loc) {
        problems.push(`System RAM 0x${r.start.toString(16)}-0x${r.end.toString(16)}: 0x${pa.toString(16)} is in no RAM file`);
        break;
      }
      pa += loc.contiguous;
    }
  }
  return problems;
}
