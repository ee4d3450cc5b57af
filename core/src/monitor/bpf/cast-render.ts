/**
 * Map values drawn with the cast analysis: a u64 field the scheduler's own instructions prove
 * to hold a kernel pointer (a task_struct * kept as u64) is chased into the object it points at,
 * read from guest memory through the monitor's translation and decoded with the kernel's BTF,
 * and marked `(cast→kernel)`; an arena pointer is read in the arena's kernel range (arena.ts)
 * and marked `(cast→arena)`.
 *
 * The analysis reads the BPF object on the host, the renderer reads the map's BTF out of the
 * guest: the two are joined per map (the object declares a map of that name) and per field (the
 * same struct name, the same size, a proven cast at that offset). Anything that does not line up
 * is drawn as the integer the BTF declares: a missed cast is acceptable, a wrong one is not.
 */
import type { Btf } from '../btf/btf.js';
import { BtfError } from '../btf/btf-error.js';
import type { CastAnalysis } from '../cast/analyze.js';
import { type CastTarget, structKey } from '../cast/cast-map.js';
import type { KernelProgram } from '../program.js';
import { hex, Unavailable } from '../unavailable.js';
import { type BpfValue, type DecodeOptions, decodeValue } from './decode.js';
import type { BpfMapInfo } from './maps.js';
import { arenaKernelAddress } from './arena.js';

export const CAST_KERNEL = '(cast→kernel)';
export const CAST_ARENA = '(cast→arena)';

/** What a cast u64 field renders as, in place of the integer. */
export interface CastValue {
  readonly [field: string]: BpfValue;
  /** The field's own value: the pointer. */
  readonly raw: bigint;
  readonly cast: typeof CAST_KERNEL | typeof CAST_ARENA;
  /** The pointee's type name ('task_struct'; '' for an arena pointer of unknown pointee). */
  readonly type: string;
  /**
   * The pointee decoded (its own members; nested structs up to the renderer's depth); for an
   * arena pointee of unknown type `{ address, bytes }` (its kernel address and first bytes as
   * hex); null for a null pointer; or why it could not be read.
   */
  readonly target: BpfValue;
}

export function isCastValue(v: unknown): v is CastValue {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Unavailable)
    && ((v as { cast?: unknown }).cast === CAST_KERNEL || (v as { cast?: unknown }).cast === CAST_ARENA)
    && typeof (v as { raw?: unknown }).raw === 'bigint';
}

export interface CastRenderOptions {
  /**
   * Nested struct levels expanded inside a chased object: 0 (the default) draws its own members
   * (a task's pid, comm, prio, ...) and leaves its nested structs (sched_entity, ...) out.
   */
  readonly depth?: number;
  /**
   * kern_vm_start of the arena the analysed object uses (arena.ts), or why it cannot be found;
   * without it arena pointers are marked but not read.
   */
  readonly arenaStart?: (analysis: CastAnalysis) => bigint | Unavailable;
}

/** Bytes shown of an arena object whose type no instruction reveals (clang leaves arena pointees untyped in BTF). */
export const ARENA_PEEK_BYTES = 64;

/** Largest object chased: bigger than task_struct on any config; a BTF size above it is not read. */
const MAX_CHASE_BYTES = 64 << 10;

export class CastRenderer {
  readonly #depth: number;
  readonly #arenaStart: CastRenderOptions['arenaStart'];

  constructor(
    readonly program: KernelProgram,
    readonly vmlinux: Btf,
    readonly analyses: readonly CastAnalysis[],
    options: CastRenderOptions = {},
  ) {
    this.#depth = options.depth ?? 0;
    this.#arenaStart = options.arenaStart;
  }

  /** The decode options for values of `map` (whose BTF, read from the guest, is `btf`); {} when no analysis covers the map. */
  optionsFor(map: BpfMapInfo, btf: Btf): DecodeOptions {
    const analysis = this.analyses.find((a) => a.maps.some((name) => sameMap(name, map.name)));
    if (analysis === undefined || analysis.casts.size === 0) return {};
    return {
      castField: (container, offset, raw) => {
        const c = analysis.casts.get(structKey(btf, container, offset));
        if (c === undefined || !sameShape(btf, container, analysis.btf, c.struct, offset)) return undefined;
        return this.render(c, raw, analysis);
      },
    };
  }

  /** One cast field drawn: the pointer, the mark and the object it points at (`analysis`: whose arena an arena pointer is in). */
  render(c: CastTarget, raw: bigint, analysis?: CastAnalysis): CastValue {
    const base = { raw, type: c.targetName };
    if (c.kind === 'arena') {
      return { ...base, cast: CAST_ARENA, target: raw === 0n ? null : this.#arenaObject(c, raw, analysis) };
    }
    if (raw === 0n) return { ...base, cast: CAST_KERNEL, target: null };
    return { ...base, cast: CAST_KERNEL, target: this.#kernelObject(c.targetName, raw) };
  }

  /**
   * The arena object: decoded with the program's own BTF when an instruction revealed its type,
   * else its first ARENA_PEEK_BYTES as hex.
   */
  #arenaObject(c: CastTarget, raw: bigint, analysis: CastAnalysis | undefined): BpfValue {
    if (analysis === undefined || this.#arenaStart === undefined) return new Unavailable('no arena map to read the pointee from (the map reader was not given one)');
    const start = this.#arenaStart(analysis);
    if (start instanceof Unavailable) return start;
    const address = arenaKernelAddress(start, raw);
    const size = c.target === 0 ? ARENA_PEEK_BYTES : analysis.btf.sizeOf(c.target);
    if (size instanceof BtfError) return new Unavailable(size.message);
    if (size > MAX_CHASE_BYTES) return new Unavailable(`the arena object is ${size} bytes, more than the ${MAX_CHASE_BYTES} chased`);
    const bytes = this.program.readBytes(address, size);
    if (bytes instanceof Unavailable) return new Unavailable(`arena object at ${hex(address)} (pointer ${hex(raw)}): ${bytes.unavailable}`, address);
    if (c.target === 0) return { address, bytes: bytes.toString('hex') };
    return decodeValue(analysis.btf, c.target, bytes, { depth: this.#depth });
  }

  #kernelObject(name: string, address: bigint): BpfValue {
    if (name === '') return new Unavailable('the pointee has no name to find in the kernel\'s BTF');
    const id = this.vmlinux.find(name).find((i) => {
      const k = this.vmlinux.kind(i);
      return k === 'STRUCT' || k === 'UNION';
    });
    if (id === undefined) return new Unavailable(`no struct '${name}' in the kernel's BTF`);
    const size = this.vmlinux.sizeOf(id);
    if (size instanceof BtfError) return new Unavailable(size.message);
    if (size > MAX_CHASE_BYTES) return new Unavailable(`struct ${name} is ${size} bytes, more than the ${MAX_CHASE_BYTES} chased`);
    const bytes = this.program.readBytes(address, size);
    if (bytes instanceof Unavailable) return new Unavailable(`struct ${name} at ${hex(address)}: ${bytes.unavailable}`, address);
    return decodeValue(this.vmlinux, id, bytes, { depth: this.#depth });
  }
}

/**
 * The kernel names a map by the object's name cut to 15 characters (BPF_OBJ_NAME_LEN); libbpf
 * names a global-data map '<object prefix>.bss', so those are matched by their section suffix.
 */
function sameMap(objectName: string, kernelName: string): boolean {
  if (objectName.startsWith('.')) return kernelName.endsWith(objectName.slice(0, 15)) || kernelName === objectName;
  return kernelName === objectName.slice(0, 15);
}

/**
 * The guest's struct and the analysed one are the same: equal sizes; for a DATASEC (whose size
 * libbpf fills in at load), the same variable at that offset.
 */
function sameShape(guest: Btf, guestId: number, object: Btf, objectId: number, offset: number): boolean {
  const g = guest.resolve(guestId);
  const o = object.resolve(objectId);
  if (g instanceof BtfError || o instanceof BtfError || g.kind !== o.kind) return false;
  if (g.kind === 'DATASEC' && o.kind === 'DATASEC') {
    const varName = (b: Btf, vars: readonly { type: number; offset: number }[]) => {
      const v = vars.find((x) => x.offset === offset);
      const n = v === undefined ? undefined : b.name(v.type);
      return n === undefined || n instanceof BtfError ? undefined : n;
    };
    const name = varName(guest, g.vars);
    return name !== undefined && name === varName(object, o.vars);
  }
  const x = guest.sizeOf(guestId);
  const y = object.sizeOf(objectId);
  return !(x instanceof BtfError) && !(y instanceof BtfError) && x === y;
}
