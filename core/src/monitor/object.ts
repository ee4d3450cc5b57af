/**
 * A kernel object as drgn has it: an address plus a BTF type. `member`, `index` and `deref`
 * compose into new objects without touching memory (except `deref` and `->`, which read the
 * pointer), and `read` turns an integer, enum, bool, pointer or bitfield into a number or bigint.
 * So helpers say what they mean, `rq.member('scx.local_dsq.nr').read()`, and the offsets come
 * from the kernel's own BTF instead of a table that goes stale with the next kernel.
 *
 * Every failure is an Unavailable that names the type and member it was about ("struct rq has no
 * member nr_queued", "struct rq.curr is a null pointer"): a field a kernel lacks is absent, never 0.
 */
import { Btf } from './btf/btf.js';
import { BtfError } from './btf/btf-error.js';
import type { BtfType } from './btf/kinds.js';
import { memberPath } from './btf/member-path.js';
import type { KernelVirtualMemory } from './translate.js';
import { hex, Unavailable } from './unavailable.js';

/** What an object needs from its program: translated reads and writes of kernel memory. */
export interface ObjectMemory {
  readonly translator: KernelVirtualMemory;
}

export type Scalar = number | bigint;

interface Bitfield {
  /** Bit offset from `address` (0..7 once normalised to a byte address). */
  readonly bitOffset: number;
  readonly bits: number;
}

export class KObject {
  constructor(
    readonly memory: ObjectMemory,
    readonly btf: Btf,
    /** Kernel virtual address of the object's first byte. */
    readonly address: bigint,
    /** The declared BTF type id (typedefs kept, so the name reads as the kernel spells it). */
    readonly typeId: number,
    /** How the object was reached, for messages: `runqueues[cpu 1].scx.nr_running`. */
    readonly expression: string,
    readonly bitfield?: Bitfield,
  ) {}

  /** The type with typedefs and modifiers looked through. */
  get type(): BtfType {
    const t = this.btf.resolve(this.typeId);
    // Types come from lookups in the same BTF, which parseBtf validated; only a cycle errs.
    if (t instanceof BtfError) throw t;
    return t;
  }

  /** The type as C spells it: `struct rq`, `u32`, `struct task_struct *`. */
  get typeName(): string {
    return typeName(this.btf, this.typeId);
  }

  /**
   * A member by C path: `nr_running`, `scx.local_dsq.nr`, `cpus[2]`, and `curr->pid` (a `->`
   * reads the pointer, as C does). Members of anonymous structs and unions are found by name.
   */
  member(path: string): KObject | Unavailable {
    const [first, ...rest] = path.split('->');
    let obj: KObject | Unavailable = first === '' ? this : this.#member(first!);
    for (const part of rest) {
      if (obj instanceof Unavailable) return obj;
      const target: KObject | Unavailable = obj.deref();
      obj = target instanceof Unavailable || part === '' ? target : target.#member(part);
    }
    return obj;
  }

  #member(path: string): KObject | Unavailable {
    if (this.bitfield) return new Unavailable(`${this.expression} (${this.typeName}) is a bitfield; it has no members`);
    const hit = lookupMember(this.btf, this.typeId, path);
    if (hit instanceof BtfError) return new Unavailable(`${this.expression}: ${hit.problem}`);
    if (!hit.found) return new Unavailable(`${this.expression}: ${hit.why}`);
    const expression = `${this.expression}.${path}`;
    if (hit.bitfield) {
      const byte = Math.floor(hit.offsetBits / 8);
      return new KObject(this.memory, this.btf, this.address + BigInt(byte), hit.type, expression, { bitOffset: hit.offsetBits - byte * 8, bits: hit.bitSize });
    }
    return new KObject(this.memory, this.btf, this.address + BigInt(hit.offsetBits / 8), hit.type, expression);
  }

  /** Whether the type has this member path (`has('scx.nr_running')`), without reading memory. */
  has(path: string): boolean {
    if (path.includes('->')) return false;
    const hit = lookupMember(this.btf, this.typeId, path);
    return !(hit instanceof BtfError) && hit.found;
  }

  /**
   * Element `i` of an array (bounds-checked unless it is a flexible array) or, for a pointer, the
   * i-th object it points at (`p[i]`, which reads the pointer).
   */
  index(i: number): KObject | Unavailable {
    if (!Number.isSafeInteger(i)) return new Unavailable(`${this.expression}[${i}]: not an integer index`);
    const t = this.type;
    if (t.kind === 'ARRAY') {
      if (t.nelems > 0 && (i < 0 || i >= t.nelems)) return new Unavailable(`${this.expression}[${i}]: beyond ${this.typeName} (${t.nelems} elements)`);
      const size = this.btf.sizeOf(t.type);
      if (size instanceof BtfError) return new Unavailable(`${this.expression}[${i}]: ${size.problem}`);
      return new KObject(this.memory, this.btf, BigInt.asUintN(64, this.address + BigInt(i) * BigInt(size)), t.type, `${this.expression}[${i}]`);
    }
    if (t.kind === 'PTR') {
      const base = this.deref();
      if (base instanceof Unavailable) return base;
      if (i === 0) return base;
      const size = this.btf.sizeOf(base.typeId);
      if (size instanceof BtfError) return new Unavailable(`${this.expression}[${i}]: ${size.problem}`);
      return new KObject(this.memory, this.btf, BigInt.asUintN(64, base.address + BigInt(i) * BigInt(size)), base.typeId, `${this.expression}[${i}]`);
    }
    return new Unavailable(`${this.expression}[${i}]: ${this.typeName} is neither an array nor a pointer`);
  }

  /** What a pointer points at: reads the pointer; NULL, a `void *` or a non-pointer is Unavailable. */
  deref(): KObject | Unavailable {
    const t = this.type;
    if (t.kind !== 'PTR') return new Unavailable(`${this.expression}: ${this.typeName} is not a pointer`);
    const p = this.memory.translator.readU64(this.address);
    if (p instanceof Unavailable) return new Unavailable(`${this.expression} (${this.typeName}) at ${hex(this.address)}: ${p.unavailable}`, this.address);
    if (p === 0n) return new Unavailable(`${this.expression} (${this.typeName}) is a null pointer`, this.address);
    if (t.type === 0) return new Unavailable(`${this.expression} is a void pointer; cast it first`);
    return new KObject(this.memory, this.btf, p, t.type, `(*${this.expression})`);
  }

  /** The same address as another type (`container_of`-free reinterpretation, `(struct x *)p`). */
  cast(typeId: number, expression = this.expression): KObject {
    return new KObject(this.memory, this.btf, this.address, typeId, expression);
  }

  /** Object `offset` bytes away, of another type: container_of is `obj.at(-offset, outerType)`. */
  at(offset: number, typeId: number, expression: string): KObject {
    return new KObject(this.memory, this.btf, BigInt.asUintN(64, this.address + BigInt(offset)), typeId, expression);
  }

  /** Size in bytes (0 for a flexible array), or Unavailable for a type without one. */
  get size(): number | Unavailable {
    if (this.bitfield) return new Unavailable(`${this.expression} is a bitfield (${this.bitfield.bits} bits)`);
    const s = this.btf.sizeOf(this.typeId);
    if (!(s instanceof BtfError)) return s;
    return this.type.kind === 'ARRAY' ? 0 : new Unavailable(`${this.expression}: ${s.problem}`);
  }

  /**
   * The value of an integer, bool, enum, pointer or bitfield: a number up to 4 bytes (signed as
   * the type says), a bigint for 8- and 16-byte integers, 64-bit enums and pointers.
   */
  read(): Scalar | Unavailable {
    const t = this.type;
    if (this.bitfield) return this.#readBitfield(t);
    const tr = this.memory.translator;
    const what = () => `${this.expression} (${this.typeName}) at ${hex(this.address)}`;
    const wrap = <T>(v: T | Unavailable): T | Unavailable => (v instanceof Unavailable ? new Unavailable(`${what()}: ${v.unavailable}`, v.address) : v);
    switch (t.kind) {
      case 'PTR':
        return wrap(tr.readU64(this.address));
      case 'INT':
      case 'ENUM':
      case 'ENUM64': {
        const signed = t.signed;
        if (t.size === 8) {
          const v = wrap(tr.readU64(this.address));
          return v instanceof Unavailable || !signed ? v : BigInt.asIntN(64, v);
        }
        if (t.size === 4) {
          const v = wrap(tr.readU32(this.address));
          return v instanceof Unavailable || !signed ? v : v | 0;
        }
        const b = wrap(tr.readBytes(this.address, t.size));
        if (b instanceof Unavailable) return b;
        if (t.size === 1) return signed ? b.readInt8(0) : b.readUInt8(0);
        if (t.size === 2) return signed ? b.readInt16LE(0) : b.readUInt16LE(0);
        if (t.size === 16) {
          const u = (b.readBigUInt64LE(8) << 64n) | b.readBigUInt64LE(0);
          return signed ? BigInt.asIntN(128, u) : u;
        }
        return new Unavailable(`${what()}: a ${t.size}-byte integer is not read`);
      }
      default:
        return new Unavailable(`${what()}: a ${t.kind.toLowerCase()} has no scalar value; read a member, an element or its bytes`);
    }
  }

  #readBitfield(t: BtfType): Scalar | Unavailable {
    const { bitOffset, bits } = this.bitfield!;
    const bytes = Math.ceil((bitOffset + bits) / 8);
    const b = this.memory.translator.readBytes(this.address, bytes);
    if (b instanceof Unavailable) return new Unavailable(`${this.expression} (${bits}-bit field) at ${hex(this.address)}: ${b.unavailable}`, b.address);
    let word = 0n;
    for (let i = bytes - 1; i >= 0; i--) word = (word << 8n) | BigInt(b[i]!);
    const raw = (word >> BigInt(bitOffset)) & ((1n << BigInt(bits)) - 1n);
    const signed = (t.kind === 'INT' || t.kind === 'ENUM' || t.kind === 'ENUM64') && t.signed;
    const v = signed ? BigInt.asIntN(bits, raw) : raw;
    // A field of a 64-bit type stays a bigint, like the whole integer would.
    const wide = t.kind !== 'VOID' && 'size' in t && t.size === 8;
    return wide ? v : Number(v);
  }

  /** `obj.member(path).read()` in one step. */
  readMember(path: string): Scalar | Unavailable {
    const m = this.member(path);
    return m instanceof Unavailable ? m : m.read();
  }

  /** The object's bytes (a copy). */
  readBytes(length?: number): Buffer | Unavailable {
    const size = length ?? this.size;
    if (size instanceof Unavailable) return size;
    const b = this.memory.translator.readBytes(this.address, size);
    return b instanceof Unavailable ? new Unavailable(`${this.expression} at ${hex(this.address)}: ${b.unavailable}`, b.address) : b;
  }

  /**
   * A C string: a char array (up to its length, `task.comm`) or what a `char *` points at
   * (`sd->name`, `ops.name` is an array). NULL is Unavailable.
   */
  readString(max = 4096): string | Unavailable {
    const t = this.type;
    if (t.kind === 'ARRAY') {
      const b = this.readBytes();
      if (b instanceof Unavailable) return b;
      const end = b.indexOf(0);
      return b.subarray(0, end === -1 ? b.length : end).toString('utf8');
    }
    if (t.kind === 'PTR') {
      const p = this.read();
      if (p instanceof Unavailable) return p;
      if (p === 0n) return new Unavailable(`${this.expression} (${this.typeName}) is a null pointer`, this.address);
      const s = this.memory.translator.readCString(p as bigint, max);
      return s instanceof Unavailable ? new Unavailable(`${this.expression} -> ${hex(p as bigint)}: ${s.unavailable}`, s.address) : s;
    }
    return new Unavailable(`${this.expression}: ${this.typeName} is not a string (a char array or pointer)`);
  }

  /** The enumerator name of an enum value (`SCX_ENABLED`); a value with no name is Unavailable. */
  enumName(): string | Unavailable {
    const t = this.type;
    if (t.kind !== 'ENUM' && t.kind !== 'ENUM64') return new Unavailable(`${this.expression}: ${this.typeName} is not an enum`);
    const v = this.read();
    if (v instanceof Unavailable) return v;
    const hit = (t.values as readonly { name: string; value: number | bigint }[]).find((e) => BigInt(e.value) === BigInt(v));
    return hit ? hit.name : new Unavailable(`${this.expression}: ${v} is no enumerator of ${this.typeName}`);
  }

  /**
   * Writes an integer, enum or pointer in place (the guest RAM must be mapped writable). Bitfields
   * are refused: their neighbours would be rewritten from a copy the guest may have changed.
   */
  write(value: Scalar): undefined | Unavailable {
    if (this.bitfield) return new Unavailable(`${this.expression}: writing a bitfield is not supported`);
    const t = this.type;
    if (t.kind !== 'INT' && t.kind !== 'ENUM' && t.kind !== 'ENUM64' && t.kind !== 'PTR') {
      return new Unavailable(`${this.expression}: ${this.typeName} is not an integer, enum or pointer`);
    }
    const size = t.kind === 'PTR' ? 8 : t.size;
    if (size !== 1 && size !== 2 && size !== 4 && size !== 8) return new Unavailable(`${this.expression}: ${size}-byte writes are not supported`);
    const tr = this.memory.translator;
    const where = tr.toPhysical(this.address);
    if (where instanceof Unavailable) return new Unavailable(`${this.expression} at ${hex(this.address)}: ${where.unavailable}`, this.address);
    const b = Buffer.alloc(size);
    const v = BigInt.asUintN(size * 8, BigInt(value));
    for (let i = 0; i < size; i++) b[i] = Number((v >> BigInt(8 * i)) & 0xffn);
    // An aligned word is inside one page; an unaligned one that crosses a page is refused.
    if (where.via === 'page table' && (this.address & 0xfffn) + BigInt(size) > 0x1000n) {
      return new Unavailable(`${this.expression} at ${hex(this.address)}: the write crosses a page`);
    }
    const r = tr.mem.writeBytes(where.pa, b);
    return r instanceof Unavailable ? new Unavailable(`${this.expression} at ${hex(this.address)}: ${r.unavailable}`, this.address) : undefined;
  }

  toString(): string {
    return `${this.expression} (${this.typeName}) at ${hex(this.address)}`;
  }
}

const members = new WeakMap<Btf, Map<string, ReturnType<typeof memberPath>>>();

/**
 * memberPath, remembered per BTF, type and path: a sampler asks for the same few dozen members of
 * every CPU's runqueue ten times a second, and the lookup (path parsing, a search through
 * anonymous members) was most of a reading's cost.
 */
function lookupMember(btf: Btf, typeId: number, path: string): ReturnType<typeof memberPath> {
  let byPath = members.get(btf);
  if (byPath === undefined) members.set(btf, (byPath = new Map()));
  const key = `${typeId}:${path}`;
  let hit = byPath.get(key);
  if (hit === undefined) byPath.set(key, (hit = memberPath(btf, typeId, path)));
  return hit;
}

/** C spelling of a type: `struct rq`, `unsigned int`, `struct task_struct *`, `u32 [4]`. */
export function typeName(btf: Btf, id: number): string {
  for (let depth = 0, current = id, stars = ''; depth < 32; depth++) {
    const t = btf.type(current);
    if (t instanceof BtfError) return `type ${id}`;
    switch (t.kind) {
      case 'VOID':
        return `void${stars ? ` ${stars}` : ''}`;
      case 'PTR':
        stars += '*';
        current = t.type;
        continue;
      case 'CONST':
      case 'VOLATILE':
      case 'RESTRICT':
      case 'TYPE_TAG':
        current = t.type;
        continue;
      case 'ARRAY':
        return `${typeName(btf, t.type)} [${t.nelems}]${stars ? ` ${stars}` : ''}`;
      case 'STRUCT':
      case 'UNION':
      case 'ENUM':
      case 'ENUM64':
      case 'FWD': {
        const kw = t.kind === 'FWD' ? t.fwdKind : t.kind === 'ENUM64' ? 'enum' : t.kind.toLowerCase();
        return `${kw} ${t.name || '(anon)'}${stars ? ` ${stars}` : ''}`;
      }
      default:
        return `${t.name || t.kind.toLowerCase()}${stars ? ` ${stars}` : ''}`;
    }
  }
  return `type ${id}`;
}

/**
 * A type id from a C-like spelling: `struct scx_sched`, `struct scx_sched *`, `atomic_t`,
 * `unsigned long`, `enum scx_enable_state`. A pointer type is found among the BTF's PTR types
 * (the kernel's BTF has one for every pointer it declares), so `struct x *` works whenever some
 * kernel field or argument has that type.
 */
export function typeIdOf(btf: Btf, spelling: string): number | Unavailable {
  const m = /^\s*(?:(struct|union|enum)\s+)?([A-Za-z_][A-Za-z0-9_ ]*?)\s*(\**)\s*$/.exec(spelling);
  if (!m) return new Unavailable(`'${spelling}' is not a type name like 'struct rq' or 'struct rq *'`);
  const [, keyword, name, stars] = m;
  const kinds = keyword === 'struct' ? ['STRUCT'] : keyword === 'union' ? ['UNION'] : keyword === 'enum' ? ['ENUM', 'ENUM64'] : ['TYPEDEF', 'INT', 'FLOAT'];
  let id: number | undefined;
  for (const kind of kinds) {
    const hit = btf.lookup(name!, kind as BtfType['kind']);
    if (hit.found) {
      id = hit.type.id;
      break;
    }
  }
  if (id === undefined) return new Unavailable(`no ${keyword ?? 'type'} ${name} in the kernel's BTF`);
  for (let i = 0; i < stars!.length; i++) {
    const p = pointerTo(btf, id);
    if (p === undefined) return new Unavailable(`the kernel's BTF has no pointer type to ${typeName(btf, id)}`);
    id = p;
  }
  return id;
}

const pointers = new WeakMap<Btf, Map<number, number>>();

/** The id of a PTR type to `target` (indexed once per BTF). */
function pointerTo(btf: Btf, target: number): number | undefined {
  let index = pointers.get(btf);
  if (index === undefined) {
    index = new Map();
    for (let id = 1; id < btf.typeCount; id++) {
      if (btf.kind(id) !== 'PTR') continue;
      const t = btf.type(id) as { type: number };
      if (!index.has(t.type)) index.set(t.type, id);
    }
    pointers.set(btf, index);
  }
  return index.get(target);
}
