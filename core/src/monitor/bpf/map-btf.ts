/**
 * A map's BTF, read out of the guest: bpf_map.btf is the kernel's struct btf for the BTF blob
 * the loader uploaded with the object. struct btf keeps that blob as it came (header, types,
 * strings) at `data`, `data_size` bytes long, so it parses with the same parser as a file. A
 * program's BTF (what libbpf uploads) stands alone; one with a base_btf (a module's) is split on
 * top of vmlinux, the only base the monitor has.
 */
import type { Btf } from '../btf/btf.js';
import { BtfError } from '../btf/btf-error.js';
import { parseBtf } from '../btf/parse.js';
import type { KernelProgram } from '../program.js';
import { hex, Unavailable } from '../unavailable.js';
import type { BpfOffsets } from './offsets.js';

/** Larger than any scheduler's BTF (scx schedulers' are a few hundred KiB): a bad size is not read. */
const MAX_BTF_BYTES = 64 << 20;

export function readGuestBtf(p: KernelProgram, o: BpfOffsets, btf: bigint, vmlinux: Btf): Btf | Unavailable {
  if (btf === 0n) return new Unavailable('the map has no BTF (created without btf_fd): its values can only be read as bytes');
  const data = p.readU64(btf + o.btf.data);
  const size = p.readU32(btf + o.btf.dataSize);
  const base = p.readU64(btf + o.btf.baseBtf);
  for (const v of [data, size, base]) if (v instanceof Unavailable) return new Unavailable(`struct btf at ${hex(btf)}: ${v.unavailable}`, btf);
  if ((size as number) === 0 || (size as number) > MAX_BTF_BYTES) return new Unavailable(`struct btf at ${hex(btf)}: data_size ${size} is not a BTF blob's size; read again (freed?)`, btf);
  const bytes = p.readBytes(data as bigint, size as number);
  if (bytes instanceof Unavailable) return new Unavailable(`BTF data of struct btf at ${hex(btf)}: ${bytes.unavailable}`, btf);
  const parsed = parseBtf(bytes, base === 0n ? {} : { base: vmlinux });
  if (parsed instanceof BtfError) return new Unavailable(`BTF read from struct btf at ${hex(btf)} does not parse: ${parsed.message}`, btf);
  return parsed;
}
