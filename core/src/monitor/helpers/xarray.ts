/**
 * Reading a kernel XArray (and an IDR, which is an XArray with a base) from guest memory: what
 * xa_load() and xa_for_each() do, over the host's view. The BPF map and program IDRs, the
 * page cache and many other tables are XArrays, so this is how the monitor finds objects by id.
 *
 * Entry encoding (include/linux/xarray.h): the low two bits tag an entry. 00 is a pointer,
 * x1 a value (integer << 1 | 1), 10 an internal entry: a node pointer (above 4096), a sibling
 * (a multi-index entry's other slots point at its canonical slot), or the retry/zero markers.
 * Nodes hold XA_CHUNK_SIZE (64) slots and a `shift`; a node's children have shift - 6.
 *
 * A walk trusts nothing it reads: a node whose shift does not fall by one chunk per level (a
 * freed or corrupted node, or a loop) ends the walk with Unavailable instead of running forever.
 */
import { hex, Unavailable } from '../unavailable.js';

export const XA_CHUNK_SHIFT = 6n;
export const XA_CHUNK_SIZE = 1n << XA_CHUNK_SHIFT;
const XA_RETRY_ENTRY = (256n << 2n) | 2n;
const XA_ZERO_ENTRY = (257n << 2n) | 2n;

/** What an XArray walk reads: kernel virtual memory (a Translator, or a fake in tests). */
export interface KernelMemory {
  readU64(va: bigint): bigint | Unavailable;
  readBytes(va: bigint, length: number): Buffer | Unavailable;
}

/** Byte offsets in struct xarray and struct xa_node (from BTF; the x86-64 values are the defaults). */
export interface XarrayOffsets {
  /** xarray.xa_head. */
  xaHead: bigint;
  /** xa_node.shift (an unsigned char). */
  nodeShift: bigint;
  /** xa_node.slots. */
  nodeSlots: bigint;
}

export const X86_64_XARRAY_OFFSETS: XarrayOffsets = { xaHead: 8n, nodeShift: 0n, nodeSlots: 40n };

/** A decoded slot: a kernel pointer, or a value entry's integer. */
export type XaEntry = { pointer: bigint } | { value: bigint };

const isInternal = (e: bigint) => (e & 3n) === 2n;
const isNode = (e: bigint) => isInternal(e) && e > 4096n;
const isSibling = (e: bigint) => isInternal(e) && e < (((XA_CHUNK_SIZE - 1n) << 2n) | 2n);

function decode(e: bigint): XaEntry | undefined | Unavailable {
  if (e === 0n || e === XA_ZERO_ENTRY) return undefined;
  if (e === XA_RETRY_ENTRY) return new Unavailable('xarray entry is being modified (retry entry)');
  if ((e & 1n) === 1n) return { value: e >> 1n };
  if (isInternal(e)) return new Unavailable(`xarray: unexpected internal entry ${hex(e)}`);
  return { pointer: e };
}

function nodeShift(mem: KernelMemory, node: bigint, o: XarrayOffsets): bigint | Unavailable {
  const b = mem.readBytes(node + o.nodeShift, 1);
  return b instanceof Unavailable ? b : BigInt(b[0]!);
}

/** The entry at `index` of the XArray at `xa` (xa_load); undefined when the slot is empty. */
export function xaLoad(mem: KernelMemory, xa: bigint, index: bigint, o: XarrayOffsets = X86_64_XARRAY_OFFSETS): XaEntry | undefined | Unavailable {
  let entry = mem.readU64(xa + o.xaHead);
  if (entry instanceof Unavailable) return entry;
  if (!isNode(entry)) return index === 0n ? decode(entry) : undefined;
  let node = entry - 2n;
  let shift = nodeShift(mem, node, o);
  if (shift instanceof Unavailable) return shift;
  if (shift % XA_CHUNK_SHIFT !== 0n || shift > 64n) return new Unavailable(`xarray ${hex(xa)}: top node ${hex(node)} has shift ${shift}`);
  if (index >> shift >= XA_CHUNK_SIZE) return undefined; // beyond the tree's reach
  for (;;) {
    let offset = (index >> shift) & (XA_CHUNK_SIZE - 1n);
    entry = mem.readU64(node + o.nodeSlots + offset * 8n);
    if (entry instanceof Unavailable) return entry;
    if (isSibling(entry)) {
      offset = entry >> 2n;
      entry = mem.readU64(node + o.nodeSlots + offset * 8n);
      if (entry instanceof Unavailable) return entry;
    }
    if (!isNode(entry) || shift === 0n) return decode(entry);
    const child = entry - 2n;
    const childShift = nodeShift(mem, child, o);
    if (childShift instanceof Unavailable) return childShift;
    if (childShift !== shift - XA_CHUNK_SHIFT) {
      return new Unavailable(`xarray ${hex(xa)}: node ${hex(child)} has shift ${childShift} under a node of shift ${shift} (freed or looping)`);
    }
    node = child;
    shift = childShift;
  }
}

/**
 * Every present entry in index order (xa_for_each), up to `limit` entries. Multi-index entries
 * are reported once, at their first index.
 */
export function xaEntries(mem: KernelMemory, xa: bigint, options: { offsets?: XarrayOffsets; limit?: number } = {}): { index: bigint; entry: XaEntry }[] | Unavailable {
  const o = options.offsets ?? X86_64_XARRAY_OFFSETS;
  const limit = options.limit ?? 1_000_000;
  const out: { index: bigint; entry: XaEntry }[] = [];
  const head = mem.readU64(xa + o.xaHead);
  if (head instanceof Unavailable) return head;
  if (!isNode(head)) {
    const d = decode(head);
    if (d instanceof Unavailable) return d;
    return d ? [{ index: 0n, entry: d }] : [];
  }
  const visit = (node: bigint, base: bigint, expectShift: bigint | undefined): Unavailable | undefined => {
    const shift = nodeShift(mem, node, o);
    if (shift instanceof Unavailable) return shift;
    if (shift % XA_CHUNK_SHIFT !== 0n || shift > 64n || (expectShift !== undefined && shift !== expectShift)) {
      return new Unavailable(`xarray ${hex(xa)}: node ${hex(node)} has shift ${shift}${expectShift !== undefined ? `, expected ${expectShift}` : ''} (freed or looping)`);
    }
    const slots = mem.readBytes(node + o.nodeSlots, Number(XA_CHUNK_SIZE) * 8);
    if (slots instanceof Unavailable) return slots;
    for (let i = 0n; i < XA_CHUNK_SIZE; i++) {
      const e = slots.readBigUInt64LE(Number(i) * 8);
      if (e === 0n || isSibling(e)) continue;
      const index = base + (i << shift);
      if (isNode(e) && shift > 0n) {
        const r = visit(e - 2n, index, shift - XA_CHUNK_SHIFT);
        if (r) return r;
        continue;
      }
      const d = decode(e);
      if (d instanceof Unavailable) return d;
      if (!d) continue;
      if (out.length >= limit) return new Unavailable(`xarray ${hex(xa)}: more than ${limit} entries`);
      out.push({ index, entry: d });
    }
    return undefined;
  };
  const r = visit(head - 2n, 0n, undefined);
  return r ?? out;
}

/** idr_find(): an IDR is an XArray (idr_rt, at offset 0) whose ids start at idr_base. */
export function idrFind(mem: KernelMemory, idr: bigint, id: bigint, options: { idrBaseOffset: bigint; offsets?: XarrayOffsets }): XaEntry | undefined | Unavailable {
  const b = mem.readBytes(idr + options.idrBaseOffset, 4);
  if (b instanceof Unavailable) return b;
  const base = BigInt(b.readUInt32LE(0));
  if (id < base) return undefined;
  return xaLoad(mem, idr, id - base, options.offsets);
}
