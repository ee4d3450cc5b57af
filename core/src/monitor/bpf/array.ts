/**
 * Where an array map's values are. struct bpf_array ends in a flexible `value` (ARRAY: the
 * elements inline, elem_size apart, elem_size being value_size rounded up to 8) overlaid with
 * `pptrs` (PERCPU_ARRAY: one __percpu pointer per element, each CPU's copy at that pointer plus
 * __per_cpu_offset[cpu]). A BPF_F_MMAPABLE array (libbpf's .bss and .data) keeps the same layout,
 * its struct placed so that `value` starts a vmalloc page: the page-table walk reads it.
 */
import { nrCpuIds, perCpuAddress } from '../helpers/percpu.js';
import type { KernelProgram } from '../program.js';
import { hex, Unavailable } from '../unavailable.js';
import type { BpfMapInfo } from './maps.js';
import type { BpfOffsets } from './offsets.js';

export const ARRAY_TYPES = new Set(['array', 'percpu_array']);

function checkIndex(map: BpfMapInfo, index: number): Unavailable | undefined {
  if (!ARRAY_TYPES.has(map.type)) return new Unavailable(`map ${map.name} (id ${map.id}) is a ${map.type} map, not an array; read it with hashEntries or as bytes`);
  if (!Number.isInteger(index) || index < 0 || index >= map.maxEntries) return new Unavailable(`map ${map.name}: index ${index} outside 0..${map.maxEntries - 1}`);
  return undefined;
}

/** The address of element `index` of an ARRAY map. */
export function arrayElementAddress(p: KernelProgram, o: BpfOffsets, map: BpfMapInfo, index: number): bigint | Unavailable {
  const bad = checkIndex(map, index);
  if (bad) return bad;
  if (map.type !== 'array') return new Unavailable(`map ${map.name} is per-CPU: use percpuElementAddresses`);
  const elemSize = p.readU32(map.address + o.array.elemSize);
  if (elemSize instanceof Unavailable) return elemSize;
  return map.address + o.array.value + BigInt(elemSize) * BigInt(index);
}

/** Each possible CPU's copy of element `index` of a PERCPU_ARRAY map, by CPU. */
export function percpuElementAddresses(p: KernelProgram, o: BpfOffsets, map: BpfMapInfo, index: number): bigint[] | Unavailable {
  const bad = checkIndex(map, index);
  if (bad) return bad;
  if (map.type !== 'percpu_array') return new Unavailable(`map ${map.name} is not per-CPU: use arrayElementAddress`);
  const pptr = p.readU64(map.address + o.array.value + 8n * BigInt(index));
  if (pptr instanceof Unavailable) return pptr;
  if (pptr === 0n) return new Unavailable(`map ${map.name}: element ${index} has no per-CPU pointer (${hex(map.address)} being freed?)`);
  const n = nrCpuIds(p.translator, p.symbols);
  if (n instanceof Unavailable) return n;
  const out: bigint[] = [];
  for (let cpu = 0; cpu < n; cpu++) {
    const a = perCpuAddress(p.translator, p.symbols, pptr, cpu);
    if (a instanceof Unavailable) return a;
    out.push(a);
  }
  return out;
}
