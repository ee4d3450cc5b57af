/**
 * Where the fields the BPF walks read live in this kernel's structs, from its BTF: struct
 * bpf_map, bpf_array, bpf_htab, htab_elem, btf, bpf_prog and bpf_prog_aux change between kernel
 * versions and configs, so no offset is written down. One lookup per kernel, up front, so that a
 * missing field is reported once, by name, instead of as a wrong read later.
 */
import type { Btf } from '../btf/btf.js';
import { BtfError } from '../btf/btf-error.js';
import type { BtfEnum, BtfEnum64 } from '../btf/kinds.js';
import { memberBytes } from '../btf/member-path.js';
import type { XarrayOffsets } from '../helpers/xarray.js';
import { Unavailable } from '../unavailable.js';

export interface BpfOffsets {
  readonly map: { type: bigint; keySize: bigint; valueSize: bigint; maxEntries: bigint; flags: bigint; id: bigint; name: bigint; nameLen: number; btf: bigint; btfKeyTypeId: bigint; btfValueTypeId: bigint };
  readonly array: { elemSize: bigint; value: bigint };
  readonly htab: { buckets: bigint; nBuckets: bigint; bucketSize: bigint; elemKey: bigint };
  readonly btf: { data: bigint; dataSize: bigint; baseBtf: bigint; id: bigint };
  readonly prog: { type: bigint; aux: bigint; stats: bigint; len: bigint };
  readonly aux: { id: bigint; name: bigint; nameLen: number; verifiedInsns: bigint; attachFuncName: bigint };
  readonly stats: { cnt: bigint; nsecs: bigint };
  readonly idrBase: bigint;
  readonly xarray: XarrayOffsets;
  /** enum bpf_map_type / bpf_prog_type value → 'array', 'struct_ops', ... (bpftool's names). */
  readonly mapTypes: ReadonlyMap<number, string>;
  readonly progTypes: ReadonlyMap<number, string>;
}

/** The offsets from the kernel's (vmlinux) BTF, or Unavailable naming the first field it lacks. */
export function bpfOffsets(vmlinux: Btf): BpfOffsets | Unavailable {
  const missing: string[] = [];
  const at = (struct: string, path: string): { offset: bigint; size: number } => {
    const m = memberBytes(vmlinux, struct, path);
    if (m instanceof BtfError || !m.found) {
      missing.push(`${struct}.${path} (${m instanceof BtfError ? m.message : m.why})`);
      return { offset: 0n, size: 0 };
    }
    return { offset: BigInt(m.offset), size: m.size };
  };
  const o = (struct: string, path: string): bigint => at(struct, path).offset;
  const bucket = vmlinux.lookup('bucket', 'STRUCT');
  const bucketSize = bucket.found ? vmlinux.sizeOf(bucket.type.id) : 0;
  if (!bucket.found || typeof bucketSize !== 'number') missing.push('struct bucket (htab.c)');
  const offsets: BpfOffsets = {
    map: {
      type: o('bpf_map', 'map_type'), keySize: o('bpf_map', 'key_size'), valueSize: o('bpf_map', 'value_size'),
      maxEntries: o('bpf_map', 'max_entries'), flags: o('bpf_map', 'map_flags'), id: o('bpf_map', 'id'),
      name: o('bpf_map', 'name'), nameLen: at('bpf_map', 'name').size, btf: o('bpf_map', 'btf'),
      btfKeyTypeId: o('bpf_map', 'btf_key_type_id'), btfValueTypeId: o('bpf_map', 'btf_value_type_id'),
    },
    array: { elemSize: o('bpf_array', 'elem_size'), value: o('bpf_array', 'value') },
    htab: { buckets: o('bpf_htab', 'buckets'), nBuckets: o('bpf_htab', 'n_buckets'), bucketSize: BigInt(typeof bucketSize === 'number' ? bucketSize : 0), elemKey: o('htab_elem', 'key') },
    btf: { data: o('btf', 'data'), dataSize: o('btf', 'data_size'), baseBtf: o('btf', 'base_btf'), id: o('btf', 'id') },
    prog: { type: o('bpf_prog', 'type'), aux: o('bpf_prog', 'aux'), stats: o('bpf_prog', 'stats'), len: o('bpf_prog', 'len') },
    aux: {
      id: o('bpf_prog_aux', 'id'), name: o('bpf_prog_aux', 'name'), nameLen: at('bpf_prog_aux', 'name').size,
      verifiedInsns: o('bpf_prog_aux', 'verified_insns'), attachFuncName: o('bpf_prog_aux', 'attach_func_name'),
    },
    stats: { cnt: o('bpf_prog_stats', 'cnt'), nsecs: o('bpf_prog_stats', 'nsecs') },
    idrBase: o('idr', 'idr_base'),
    xarray: { xaHead: o('xarray', 'xa_head'), nodeShift: o('xa_node', 'shift'), nodeSlots: o('xa_node', 'slots') },
    mapTypes: enumNames(vmlinux, 'bpf_map_type', 'BPF_MAP_TYPE_', missing),
    progTypes: enumNames(vmlinux, 'bpf_prog_type', 'BPF_PROG_TYPE_', missing),
  };
  if (missing.length > 0) {
    return new Unavailable(`the kernel's BTF lacks what the BPF walks read: ${missing.join('; ')}. Use a kernel built with CONFIG_DEBUG_INFO_BTF whose BPF structs have these fields`);
  }
  return offsets;
}

function enumNames(btf: Btf, name: string, prefix: string, missing: string[]): Map<number, string> {
  const t = btf.lookup(name, 'ENUM');
  if (!t.found) {
    missing.push(`enum ${name}`);
    return new Map();
  }
  const e = t.type as BtfEnum | BtfEnum64;
  return new Map(e.values.map((v) => [Number(v.value), v.name.startsWith(prefix) ? v.name.slice(prefix.length).toLowerCase() : v.name]));
}
