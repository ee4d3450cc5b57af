/**
 * The BPF side of a running kernel in one object, the way a test uses it: maps and programs by
 * name, array values and a scheduler's globals decoded with the map's own BTF, hash entries, and
 * host-side writes to array values and globals (`bpf.writeGlobal('.bss', 'knob', 1)`). Every
 * read goes to guest memory when called, so two calls see the guest at two moments. Only the
 * parsed BTF is kept, keyed by the struct btf's address and its BTF id: the maps of one object
 * share one struct btf, and a scheduler loaded later that reuses the address has a new id (BTF
 * ids are allocated cyclically, never reused while the kernel runs).
 */
import type { Btf } from '../btf/btf.js';
import { BtfError } from '../btf/btf-error.js';
import type { BtfDatasec, BtfType } from '../btf/kinds.js';
import { memberPath } from '../btf/member-path.js';
import type { KernelProgram } from '../program.js';
import { Unavailable } from '../unavailable.js';
import { ARRAY_TYPES, arrayElementAddress, percpuElementAddresses } from './array.js';
import { arenaKernStart } from './arena.js';
import type { CastAnalysis } from '../cast/analyze.js';
import { CastRenderer } from './cast-render.js';
import { type BpfValue, type DecodeOptions, decodeValue } from './decode.js';
import { encodeValue, type WritableValue } from './encode.js';
import { hashEntries } from './hash.js';
import { readGuestBtf } from './map-btf.js';
import { type BpfMapInfo, listMaps } from './maps.js';
import { bpfOffsets, type BpfOffsets } from './offsets.js';
import { type BpfProgInfo, listPrograms } from './programs.js';
import { writeVirtual } from './write.js';

/** A map by its info, or by name: exact, or a suffix such as '.bss' when one map alone ends in it. */
export type MapRef = BpfMapInfo | string;

export interface HashEntry {
  readonly key: BpfValue;
  readonly value: BpfValue;
}

export interface BpfStateOptions {
  /**
   * The cast analyses of the scheduler's BPF objects (schedulerCasts(binary).analyses): u64
   * fields they prove to hold kernel pointers are drawn chased and marked (cast-render.ts).
   */
  readonly casts?: readonly CastAnalysis[];
  /** Nested struct levels drawn inside a chased object (CastRenderOptions.depth). */
  readonly castDepth?: number;
}

export class BpfState {
  readonly #btfs = new Map<string, Btf | Unavailable>();
  #casts: CastRenderer | undefined;

  private constructor(readonly program: KernelProgram, readonly offsets: BpfOffsets, readonly vmlinux: Btf) {}

  /** `vmlinux` is the kernel's BTF (readElfBtf(kernel.vmlinux)): the offsets come from it. */
  static open(program: KernelProgram, vmlinux: Btf, options: BpfStateOptions = {}): BpfState | Unavailable {
    const o = bpfOffsets(vmlinux);
    if (o instanceof Unavailable) return o;
    const state = new BpfState(program, o, vmlinux);
    if (options.casts !== undefined) state.useCasts(options.casts, options.castDepth);
    return state;
  }

  /** From now on, values are drawn with these cast analyses (an empty list turns chasing off). */
  useCasts(analyses: readonly CastAnalysis[], depth?: number): void {
    const arenaStart = (a: CastAnalysis) => this.#arenaStart(a);
    this.#casts = analyses.length === 0 ? undefined : new CastRenderer(this.program, this.vmlinux, analyses, depth === undefined ? { arenaStart } : { depth, arenaStart });
  }

  /** kern_vm_start of the arena map the analysed object declares (by its name, as the renderer matches maps). */
  #arenaStart(analysis: CastAnalysis): bigint | Unavailable {
    const all = this.maps();
    if (all instanceof Unavailable) return all;
    // An arena map has no value type, so it is not among the analysis's maps: its name is in the object's `.maps`.
    const names = declaredMaps(analysis.btf);
    const arenas = all.filter((m): m is BpfMapInfo => !(m instanceof Unavailable) && m.type === 'arena' && names.some((n) => n.slice(0, 15) === m.name));
    if (arenas.length !== 1) return new Unavailable(`${arenas.length === 0 ? 'no' : arenas.length} arena maps of the analysed object are loaded (its maps: ${names.join(', ')}): the arena pointer's memory cannot be told`);
    return arenaKernStart(this.program, this.vmlinux, arenas[0]!);
  }

  #decodeOptions(map: BpfMapInfo, btf: Btf): DecodeOptions {
    return this.#casts === undefined ? {} : this.#casts.optionsFor(map, btf);
  }

  maps(): (BpfMapInfo | Unavailable)[] | Unavailable {
    return listMaps(this.program, this.offsets);
  }

  programs(): (BpfProgInfo | Unavailable)[] | Unavailable {
    return listPrograms(this.program, this.offsets);
  }

  map(ref: MapRef): BpfMapInfo | Unavailable {
    if (typeof ref !== 'string') return ref;
    const all = this.maps();
    if (all instanceof Unavailable) return all;
    const maps = all.filter((m): m is BpfMapInfo => !(m instanceof Unavailable));
    const exact = maps.filter((m) => m.name === ref);
    const hits = exact.length > 0 ? exact : maps.filter((m) => m.name.endsWith(ref));
    if (hits.length === 1) return hits[0]!;
    const names = maps.map((m) => m.name).join(', ') || 'none';
    if (hits.length === 0) return new Unavailable(`no BPF map named '${ref}' (maps now: ${names}); is the scheduler attached yet?`);
    return new Unavailable(`${hits.length} BPF maps match '${ref}' (${hits.map((m) => `${m.name} id ${m.id}`).join(', ')}); pass the map's full name or its BpfMapInfo`);
  }

  /** The map's BTF, parsed from guest memory (once per struct btf). */
  mapBtf(map: BpfMapInfo): Btf | Unavailable {
    if (map.btf === 0n) return readGuestBtf(this.program, this.offsets, map.btf, this.vmlinux);
    const id = this.program.readU32(map.btf + this.offsets.btf.id);
    if (id instanceof Unavailable) return new Unavailable(`struct btf of map ${map.name}: ${id.unavailable}`, map.btf);
    const key = `${map.btf}:${id}`;
    let b = this.#btfs.get(key);
    if (b === undefined) {
      b = readGuestBtf(this.program, this.offsets, map.btf, this.vmlinux);
      // A read that failed (the guest mid-update) is tried again next time rather than remembered.
      if (!(b instanceof Unavailable)) this.#btfs.set(key, b);
    }
    return b;
  }

  /** Raw bytes of array element `index` (per CPU for a PERCPU_ARRAY). */
  arrayBytes(ref: MapRef, index = 0): Buffer | Buffer[] | Unavailable {
    const map = this.map(ref);
    if (map instanceof Unavailable) return map;
    if (map.type === 'percpu_array') {
      const addrs = percpuElementAddresses(this.program, this.offsets, map, index);
      if (addrs instanceof Unavailable) return addrs;
      const out: Buffer[] = [];
      for (const a of addrs) {
        const b = this.program.readBytes(a, map.valueSize);
        if (b instanceof Unavailable) return b;
        out.push(b);
      }
      return out;
    }
    const at = arrayElementAddress(this.program, this.offsets, map, index);
    return at instanceof Unavailable ? at : this.program.readBytes(at, map.valueSize);
  }

  /** Array element `index` decoded with the map's BTF; for a PERCPU_ARRAY an array with one value per CPU. */
  arrayValue(ref: MapRef, index = 0): BpfValue {
    const map = this.map(ref);
    if (map instanceof Unavailable) return map;
    const bytes = this.arrayBytes(map, index);
    if (bytes instanceof Unavailable) return bytes;
    const btf = this.mapBtf(map);
    if (btf instanceof Unavailable) return btf;
    const options = this.#decodeOptions(map, btf);
    return Array.isArray(bytes) ? bytes.map((b) => decodeValue(btf, map.btfValueTypeId, b, options)) : decodeValue(btf, map.btfValueTypeId, bytes as Buffer, options);
  }

  /** The variables of a global-data map ('.bss', '.data', '.rodata'), by name. */
  globals(ref: MapRef): Record<string, BpfValue> | Unavailable {
    const v = this.arrayValue(ref, 0);
    if (v instanceof Unavailable) return v;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return new Unavailable(`map '${typeof ref === 'string' ? ref : ref.name}' is not a global-data map (its value is not a DATASEC)`);
    return v as Record<string, BpfValue>;
  }

  /** One global variable, or a field of one ('stats.enqueues', 'arr[2]'). */
  readGlobal(ref: MapRef, path: string): BpfValue {
    const at = this.#globalSlot(ref, path);
    if (at instanceof Unavailable) return at;
    const bytes = this.program.readBytes(at.address, at.size);
    return bytes instanceof Unavailable ? bytes : decodeValue(at.btf, at.type, bytes);
  }

  /** Writes a global variable (or a field of one) from the host, in place, while the guest runs. */
  writeGlobal(ref: MapRef, path: string, value: WritableValue): undefined | Unavailable {
    const at = this.#globalSlot(ref, path);
    if (at instanceof Unavailable) return at;
    const bytes = encodeValue(at.btf, at.type, value, path);
    if (bytes instanceof Error) return new Unavailable(bytes.message);
    return writeVirtual(this.program, at.address, bytes);
  }

  /**
   * Writes field `path` ('' for the whole value) of element `index` of an ARRAY map, or of every
   * CPU's copy of a PERCPU_ARRAY element (or of one CPU's, with `cpu`).
   */
  writeArrayValue(ref: MapRef, index: number, path: string, value: WritableValue, cpu?: number): undefined | Unavailable {
    const map = this.map(ref);
    if (map instanceof Unavailable) return map;
    const btf = this.mapBtf(map);
    if (btf instanceof Unavailable) return btf;
    let bases: bigint[];
    if (map.type === 'percpu_array') {
      const all = percpuElementAddresses(this.program, this.offsets, map, index);
      if (all instanceof Unavailable) return all;
      if (cpu !== undefined && (cpu < 0 || cpu >= all.length)) return new Unavailable(`cpu ${cpu} outside 0..${all.length - 1}`);
      bases = cpu === undefined ? all : [all[cpu]!];
    } else {
      const a = arrayElementAddress(this.program, this.offsets, map, index);
      if (a instanceof Unavailable) return a;
      bases = [a];
    }
    // Where first, then what: a bad index is the first thing to hear about.
    const field = fieldIn(btf, map.btfValueTypeId, path);
    if (field instanceof Unavailable) return field;
    const bytes = encodeValue(btf, field.type, value, `${map.name}[${index}]${path ? `.${path}` : ''}`);
    if (bytes instanceof Error) return new Unavailable(bytes.message);
    for (const base of bases) {
      const r = writeVirtual(this.program, base + BigInt(field.offset), bytes);
      if (r instanceof Unavailable) return r;
    }
    return undefined;
  }

  /** A HASH map's entries, keys and values decoded with its BTF (bytes when it has none). */
  hashEntries(ref: MapRef, options: { limit?: number } = {}): { entries: HashEntry[]; truncated?: string } | Unavailable {
    const map = this.map(ref);
    if (map instanceof Unavailable) return map;
    const walk = hashEntries(this.program, this.offsets, map, options);
    if (walk instanceof Unavailable) return walk;
    const btf = map.btf === 0n ? undefined : this.mapBtf(map);
    const drawn = btf === undefined || btf instanceof Unavailable ? {} : this.#decodeOptions(map, btf);
    const decode = (id: number, b: Buffer): BpfValue => (btf === undefined || btf instanceof Unavailable || id === 0 ? b.toString('hex') : decodeValue(btf, id, b, drawn));
    const entries = walk.entries.map((e) => ({ key: decode(map.btfKeyTypeId, e.key), value: decode(map.btfValueTypeId, e.value) }));
    return walk.truncated === undefined ? { entries } : { entries, truncated: walk.truncated };
  }

  #globalSlot(ref: MapRef, path: string): { address: bigint; size: number; type: number; btf: Btf } | Unavailable {
    const map = this.map(ref);
    if (map instanceof Unavailable) return map;
    if (!ARRAY_TYPES.has(map.type) || map.type !== 'array') return new Unavailable(`map ${map.name} is a ${map.type} map; globals live in the array maps .bss, .data and .rodata`);
    const btf = this.mapBtf(map);
    if (btf instanceof Unavailable) return btf;
    const sec = btf.type(map.btfValueTypeId);
    if (sec instanceof BtfError || sec.kind !== 'DATASEC') return new Unavailable(`map ${map.name}'s value is not a DATASEC, so it has no global variables; use writeArrayValue`);
    const [name, ...rest] = path.split(/(?=[.[])/);
    const hit = (sec as BtfDatasec).vars.find((v) => {
      const t = btf.type(v.type);
      return !(t instanceof BtfError) && t.kind === 'VAR' && t.name === name;
    });
    if (!hit) {
      const names = (sec as BtfDatasec).vars.map((v) => (btf.type(v.type) as BtfType).name).join(', ');
      return new Unavailable(`no global '${name}' in ${map.name} (${sec.name}): it has ${names || 'no variables'}`);
    }
    const varType = (btf.type(hit.type) as { type: number }).type;
    const field = fieldIn(btf, varType, rest.join('').replace(/^\./, ''));
    if (field instanceof Unavailable) return field;
    const base = arrayElementAddress(this.program, this.offsets, map, 0);
    if (base instanceof Unavailable) return base;
    return { address: base + BigInt(hit.offset + field.offset), size: field.size, type: field.type, btf };
  }
}

/** The names of the maps an object's BTF declares in its `.maps` section. */
function declaredMaps(btf: Btf): string[] {
  const id = btf.find('.maps', 'DATASEC')[0];
  const sec = id === undefined ? undefined : btf.type(id);
  if (sec === undefined || sec instanceof BtfError || sec.kind !== 'DATASEC') return [];
  return sec.vars.flatMap((v) => {
    const n = btf.name(v.type);
    return n instanceof BtfError ? [] : [n];
  });
}

/** The byte offset, size and type of a member path inside a type ('' is the type itself). */
function fieldIn(btf: Btf, typeId: number, path: string): { offset: number; size: number; type: number } | Unavailable {
  if (path === '') {
    const size = btf.sizeOf(typeId);
    return size instanceof BtfError ? new Unavailable(size.message) : { offset: 0, size, type: typeId };
  }
  const m = memberPath(btf, typeId, path);
  if (m instanceof BtfError) return new Unavailable(m.message);
  if (!m.found) return new Unavailable(m.why);
  if (m.bitfield || m.offsetBits % 8 !== 0) return new Unavailable(`'${path}' is a bitfield; it cannot be read or written on its own`);
  return { offset: m.offsetBits / 8, size: m.bitSize / 8, type: m.type };
}
