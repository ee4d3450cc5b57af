/**
 * The BPF maps of a running kernel, found as bpftool finds them: every map with an id is in
 * map_idr (kernel/bpf/syscall.c), an IDR whose XArray maps the id to its struct bpf_map. The
 * walk is bounded by the XArray helper's limit, so a map_idr caught mid-update ends instead of
 * looping.
 */
import { xaEntries } from '../helpers/xarray.js';
import type { KernelProgram } from '../program.js';
import { hex, Unavailable } from '../unavailable.js';
import type { BpfOffsets } from './offsets.js';

/** Map flags worth a name (include/uapi/linux/bpf.h); the rest are shown as bits. */
const MAP_FLAGS: readonly [number, string][] = [
  [1 << 0, 'no_prealloc'], [1 << 1, 'no_common_lru'], [1 << 2, 'numa_node'], [1 << 3, 'rdonly'], [1 << 4, 'wronly'],
  [1 << 5, 'stack_build_id'], [1 << 6, 'zero_seed'], [1 << 7, 'rdonly_prog'], [1 << 8, 'wronly_prog'], [1 << 9, 'clone'],
  [1 << 10, 'mmapable'], [1 << 11, 'preserve_elems'], [1 << 12, 'inner_map'], [1 << 13, 'link'], [1 << 14, 'path_fd'],
  [1 << 15, 'vtype_btf_obj_fd'], [1 << 16, 'token_fd'], [1 << 17, 'segv_on_fault'], [1 << 18, 'no_user_conv'],
];

export interface BpfMapInfo {
  readonly id: number;
  /** struct bpf_map's address. */
  readonly address: bigint;
  /** bpf_map.name: libbpf names a global-data map '<object prefix>.bss' etc. (truncated to 15 characters). */
  readonly name: string;
  /** bpftool's name of the type ('array', 'percpu_array', 'hash', ...), or 'type <n>' for one this kernel's BTF does not name. */
  readonly type: string;
  readonly typeNumber: number;
  readonly flags: number;
  readonly flagNames: readonly string[];
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** bpf_map.btf (struct btf *); 0 when the map was created without BTF. */
  readonly btf: bigint;
  readonly btfKeyTypeId: number;
  readonly btfValueTypeId: number;
}

export function mapFlagNames(flags: number): string[] {
  const names = MAP_FLAGS.filter(([bit]) => (flags & bit) !== 0).map(([, n]) => n);
  const rest = MAP_FLAGS.reduce((r, [bit]) => r & ~bit, flags);
  return rest === 0 ? names : [...names, `0x${(rest >>> 0).toString(16)}`];
}

/** Reads one struct bpf_map. */
export function readMap(p: KernelProgram, o: BpfOffsets, address: bigint, id?: number): BpfMapInfo | Unavailable {
  const m = o.map;
  const u32 = (off: bigint): number | Unavailable => p.readU32(address + off);
  const fields = [u32(m.type), u32(m.keySize), u32(m.valueSize), u32(m.maxEntries), u32(m.flags), u32(m.id), u32(m.btfKeyTypeId), u32(m.btfValueTypeId)];
  const bad = fields.find((f): f is Unavailable => f instanceof Unavailable);
  if (bad) return new Unavailable(`struct bpf_map at ${hex(address)}: ${bad.unavailable}`, address);
  const [type, keySize, valueSize, maxEntries, flags, mapId, keyType, valueType] = fields as number[];
  const nameBytes = p.readBytes(address + m.name, m.nameLen);
  if (nameBytes instanceof Unavailable) return new Unavailable(`bpf_map.name at ${hex(address + m.name)}: ${nameBytes.unavailable}`, address);
  const btf = p.readU64(address + m.btf);
  if (btf instanceof Unavailable) return new Unavailable(`bpf_map.btf at ${hex(address + m.btf)}: ${btf.unavailable}`, address);
  if (id !== undefined && mapId !== id) {
    return new Unavailable(`map_idr id ${id} points at ${hex(address)}, whose bpf_map.id is ${mapId}: freed or being replaced; read again`, address);
  }
  const nul = nameBytes.indexOf(0);
  return {
    id: mapId!, address, name: nameBytes.subarray(0, nul === -1 ? nameBytes.length : nul).toString('latin1'),
    type: o.mapTypes.get(type!) ?? `type ${type}`, typeNumber: type!, flags: flags!, flagNames: mapFlagNames(flags!),
    keySize: keySize!, valueSize: valueSize!, maxEntries: maxEntries!, btf, btfKeyTypeId: keyType!, btfValueTypeId: valueType!,
  };
}

/** The struct bpf_map (or bpf_prog) pointers of an id IDR (map_idr, prog_idr), by id. */
export function idrObjects(p: KernelProgram, o: BpfOffsets, symbol: string, limit = 65536): { id: number; address: bigint }[] | Unavailable {
  const idr = p.address(symbol);
  if (idr instanceof Unavailable) return new Unavailable(`${symbol}: ${idr.unavailable} (the symbol table is the core kernel's; capture it again if it is incomplete)`);
  const base = p.readU32(idr + o.idrBase);
  if (base instanceof Unavailable) return base;
  // struct idr starts with its radix tree root, which is the XArray.
  const entries = xaEntries(p.translator, idr, { offsets: o.xarray, limit });
  if (entries instanceof Unavailable) return new Unavailable(`${symbol}: ${entries.unavailable}`, entries.address);
  return entries.flatMap(({ index, entry }) => ('pointer' in entry && entry.pointer !== 0n ? [{ id: Number(index) + base, address: entry.pointer }] : []));
}

/**
 * Every map in map_idr, by id. A map that cannot be read (freed while walking) is kept as its
 * Unavailable, so the caller sees it rather than a shorter list.
 */
export function listMaps(p: KernelProgram, o: BpfOffsets): (BpfMapInfo | Unavailable)[] | Unavailable {
  const objects = idrObjects(p, o, 'map_idr');
  if (objects instanceof Unavailable) return objects;
  return objects.map(({ id, address }) => readMap(p, o, address, id));
}
