/**
 * The entries of a HASH (or LRU_HASH) map, as the kernel's own iteration finds them: an array of
 * n_buckets buckets, each an hlist_nulls of struct htab_elem, whose key follows the element
 * header and whose value follows the key rounded up to 8 bytes. Each chain ends at a "nulls"
 * marker (an odd pointer). The walk is bounded (by max_entries per chain and a total limit), so
 * a chain the guest is rewriting, or one that loops, ends instead of spinning.
 */
import type { KernelProgram } from '../program.js';
import { hex, Unavailable } from '../unavailable.js';
import type { BpfMapInfo } from './maps.js';
import type { BpfOffsets } from './offsets.js';

export const HASH_TYPES = new Set(['hash', 'lru_hash']);

export interface RawHashEntry {
  readonly element: bigint;
  readonly key: Buffer;
  readonly value: Buffer;
}

export interface HashWalk {
  readonly entries: RawHashEntry[];
  /** Set when the walk stopped early: the limit, or a chain longer than the map can hold. */
  readonly truncated?: string;
}

/** What the walk reads: a KernelProgram, or fake memory in a test. */
export type HashMemory = Pick<KernelProgram, 'readU32' | 'readU64' | 'readBytes'>;

export function hashEntries(p: HashMemory, o: BpfOffsets, map: BpfMapInfo, options: { limit?: number } = {}): HashWalk | Unavailable {
  if (!HASH_TYPES.has(map.type)) return new Unavailable(`map ${map.name} (id ${map.id}) is a ${map.type} map; hashEntries reads hash and lru_hash maps (per-CPU hashes hold pointers, not values)`);
  const limit = options.limit ?? map.maxEntries;
  const buckets = p.readU64(map.address + o.htab.buckets);
  const n = p.readU32(map.address + o.htab.nBuckets);
  if (buckets instanceof Unavailable) return buckets;
  if (n instanceof Unavailable) return n;
  if (n === 0 || n > 1 << 26) return new Unavailable(`map ${map.name}: n_buckets ${n} is not a hash table's; read again (being freed?)`);
  const valueAt = o.htab.elemKey + ((BigInt(map.keySize) + 7n) & ~7n);
  const entries: RawHashEntry[] = [];
  for (let b = 0; b < n; b++) {
    let node = p.readU64(buckets + BigInt(b) * o.htab.bucketSize);
    for (let steps = 0; ; steps++) {
      if (node instanceof Unavailable) return new Unavailable(`map ${map.name}: bucket ${b}: ${node.unavailable}`, node.address);
      if ((node & 1n) === 1n) break;
      if (steps > map.maxEntries) return { entries, truncated: `bucket ${b}'s chain is longer than max_entries ${map.maxEntries} (the guest was rewriting it, or it loops at ${hex(node)})` };
      if (entries.length >= limit) return { entries, truncated: `stopped at the limit of ${limit} entries` };
      // hash_node is the first member of htab_elem, so the node is the element.
      const key = p.readBytes(node + o.htab.elemKey, map.keySize);
      const value = p.readBytes(node + valueAt, map.valueSize);
      if (key instanceof Unavailable) return key;
      if (value instanceof Unavailable) return value;
      entries.push({ element: node, key, value });
      node = p.readU64(node);
    }
  }
  return { entries };
}
