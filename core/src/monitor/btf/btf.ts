/**
 * A parsed BTF: types by id, decoded on demand and cached, names indexed on first lookup, and
 * the chasing every reader of kernel memory needs — through typedefs and modifiers to the type
 * that has a layout, and the size of any sized type. Made by parseBtf (parse.ts), which has
 * validated every record and reference, so decoding here never meets malformed bytes; the only
 * corruption left to catch is a cycle (a typedef or array that contains itself), which every
 * chase bounds by the number of types.
 *
 * For split BTF (a BPF program's, on top of vmlinux) ids below firstId and string offsets below
 * the base's string size are the base's, exactly as libbpf numbers them.
 */
import { BtfError } from './btf-error.js';
import { type Absent, BTF_KINDS, type BtfKind, type BtfType, LINKAGES, TRANSPARENT_KINDS } from './kinds.js';

export interface BtfLayout {
  /** The type section as little-endian words. */
  readonly words: Uint32Array;
  /** Word index of each own type's record; index = id - firstId. */
  readonly offsets: Uint32Array;
  /** Byte offset of the type section in the blob, for error offsets. */
  readonly typeStart: number;
  readonly strings: Uint8Array;
  readonly stringsStart: number;
  /** 1 for a base BTF (0 is void); the base's typeCount for split BTF. */
  readonly firstId: number;
  readonly base: Btf | null;
}

interface NameIndex {
  /** The last id whose name_off is `off`, or 0. */
  readonly last: (off: number) => number;
  readonly previous: Int32Array;
}

export type TypeLookup = { readonly found: true; readonly type: BtfType } | Absent;

const VOID: BtfType = { id: 0, kind: 'VOID', name: '' };
const decoder = new TextDecoder('utf-8');
const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

export class Btf {
  readonly base: Btf | null;
  /** The first id this BTF defines (1, or the base's typeCount for split BTF). */
  readonly firstId: number;
  /** One past the last type id, base included: ids 0 .. typeCount-1 are valid. */
  readonly typeCount: number;
  readonly #layout: BtfLayout;
  readonly #decoded: (BtfType | undefined)[];
  /** The string section as one latin1 string: slicing it is far cheaper than decoding each name. */
  #text: string | undefined;
  #ascii = true;
  #byNameOff: NameIndex | undefined;
  readonly #found = new Map<string, readonly number[]>();

  constructor(layout: BtfLayout) {
    this.#layout = layout;
    this.base = layout.base;
    this.firstId = layout.firstId;
    this.typeCount = layout.firstId + layout.offsets.length;
    this.#decoded = new Array<BtfType | undefined>(layout.offsets.length);
  }

  /** Bytes of the string sections, base included: where a split BTF's own string offsets start. */
  get stringBytes(): number {
    return (this.base?.stringBytes ?? 0) + this.#layout.strings.length;
  }

  /** The string at a name offset (base strings first for split BTF); validated offsets only. */
  string(offset: number): string {
    const baseBytes = this.base?.stringBytes ?? 0;
    if (offset < baseBytes) return this.base!.string(offset);
    const local = offset - baseBytes;
    let text = this.#text;
    if (text === undefined) {
      text = this.#text = latin1(this.#layout.strings);
      this.#ascii = !/[^\x00-\x7f]/.test(text);
    }
    const end = text.indexOf('\0', local);
    const s = text.slice(local, end === -1 ? text.length : end);
    // Names are C identifiers, so ASCII, where latin1 and UTF-8 agree; anything else is re-decoded.
    return this.#ascii || !/[^\x00-\x7f]/.test(s) ? s : decoder.decode(this.#layout.strings.subarray(local, local + s.length));
  }

  /** Byte offset of a type's record in its blob; for error messages. */
  recordOffset(id: number): number {
    if (id < this.firstId) return this.base?.recordOffset(id) ?? 0;
    if (id >= this.typeCount || !Number.isInteger(id)) return 0;
    return this.#layout.typeStart + this.#layout.offsets[id - this.firstId]! * 4;
  }

  /** The kind of a type without decoding it. */
  kind(id: number): BtfKind | BtfError {
    if (id === 0) return 'VOID';
    if (id < this.firstId) return this.base ? this.base.kind(id) : this.#badId(id);
    if (id >= this.typeCount || !Number.isInteger(id)) return this.#badId(id);
    const { words, offsets } = this.#layout;
    return BTF_KINDS[(words[offsets[id - this.firstId]! + 1]! >>> 24) & 0x1f]!;
  }

  /** The name of a type without decoding it ('' when anonymous). */
  name(id: number): string | BtfError {
    if (id === 0) return '';
    if (id < this.firstId) return this.base ? this.base.name(id) : this.#badId(id);
    if (id >= this.typeCount || !Number.isInteger(id)) return this.#badId(id);
    return this.string(this.#layout.words[this.#layout.offsets[id - this.firstId]!]!);
  }

  type(id: number): BtfType | BtfError {
    if (id === 0) return VOID;
    if (id < this.firstId) return this.base ? this.base.type(id) : this.#badId(id);
    if (id >= this.typeCount || !Number.isInteger(id)) return this.#badId(id);
    const index = id - this.firstId;
    return (this.#decoded[index] ??= this.#decode(id, this.#layout.offsets[index]!));
  }

  /** Ids of the types with this name, base first; optionally only of one kind. */
  find(name: string, kind?: BtfKind): number[] {
    let ids = this.#found.get(name);
    if (ids === undefined) {
      const own: number[] = [];
      const { last, previous } = this.#index();
      for (const off of this.stringOffsets(name)) {
        for (let id = last(off); id !== 0; id = previous[id - this.firstId]!) own.push(id);
      }
      ids = [...(this.base?.find(name) ?? []), ...own.sort((a, b) => a - b)];
      this.#found.set(name, ids);
    }
    return kind === undefined ? [...ids] : ids.filter((id) => this.kind(id) === kind);
  }

  /**
   * The type of this name and kind. Kernel BTF can hold a struct twice when deduplication could
   * not merge two definitions; the first complete one is taken (a FWD only when nothing else is).
   */
  lookup(name: string, kind?: BtfKind): TypeLookup {
    const ids = this.find(name, kind);
    const id = ids.find((i) => this.kind(i) !== 'FWD') ?? ids[0];
    if (id === undefined) return { found: false, why: `no ${kind === undefined ? 'type' : kind} named '${name}' in the BTF` };
    return { found: true, type: this.type(id) as BtfType };
  }

  /** Follows typedefs, const/volatile/restrict and type tags to the type with a layout. */
  resolve(id: number): BtfType | BtfError {
    let t = this.type(id);
    for (let steps = 0; !(t instanceof BtfError) && TRANSPARENT_KINDS.has(t.kind); steps++) {
      if (steps >= this.typeCount) return this.#cycle(id, 'a typedef/modifier chain');
      t = this.type((t as { type: number }).type);
    }
    return t;
  }

  /** Size in bytes, through typedefs, modifiers and arrays (element size x count). */
  sizeOf(id: number): number | BtfError {
    let factor = 1;
    let current = id;
    for (let steps = 0; ; steps++) {
      if (steps > this.typeCount) return this.#cycle(id, 'an array or typedef chain');
      const t = this.resolve(current);
      if (t instanceof BtfError) return t;
      switch (t.kind) {
        case 'INT':
        case 'STRUCT':
        case 'UNION':
        case 'ENUM':
        case 'ENUM64':
        case 'FLOAT':
        case 'DATASEC':
          return checkSize(factor * t.size, this.recordOffset(id), id);
        case 'PTR':
          return checkSize(factor * 8, this.recordOffset(id), id);
        case 'ARRAY':
          factor *= t.nelems;
          if (factor > Number.MAX_SAFE_INTEGER) return checkSize(factor, this.recordOffset(id), id);
          current = t.type;
          continue;
        case 'VAR':
          current = t.type;
          continue;
        default:
          return new BtfError(this.recordOffset(t.id), t.kind, `type ${t.id}${t.name ? ` '${t.name}'` : ''} has no size`);
      }
    }
  }

  /** Every type id this BTF defines (not the base's), in order. */
  *ids(): IterableIterator<number> {
    for (let id = this.firstId; id < this.typeCount; id++) yield id;
  }

  /**
   * name_off -> the last id with that name offset, and per id the previous id with the same
   * name offset (0 at the start). Keyed by integers, not strings, so building it makes no
   * strings: a table with a slot per byte of this BTF's own string section (bounded by the
   * blob's size), and a Map for the few names a split BTF takes from its base's strings.
   * On vmlinux this took the index from ~70 ms (a Map of name strings) to a few ms.
   */
  #index(): NameIndex {
    if (this.#byNameOff !== undefined) return this.#byNameOff;
    const { words, offsets, strings } = this.#layout;
    const baseBytes = this.base?.stringBytes ?? 0;
    const local = new Int32Array(strings.length);
    const inBase = new Map<number, number>();
    const previous = new Int32Array(offsets.length);
    for (let i = 0; i < offsets.length; i++) {
      const nameOff = words[offsets[i]!]!;
      if (nameOff === 0) continue;
      const id = this.firstId + i;
      if (nameOff >= baseBytes) {
        previous[i] = local[nameOff - baseBytes]!;
        local[nameOff - baseBytes] = id;
      } else {
        previous[i] = inBase.get(nameOff) ?? 0;
        inBase.set(nameOff, id);
      }
    }
    return (this.#byNameOff = { last: (off) => (off >= baseBytes ? local[off - baseBytes]! : inBase.get(off) ?? 0), previous });
  }

  /**
   * Every string offset (base's first) at which the string equals `name`: each place `name\0`
   * occurs. That includes offsets inside longer strings (the tail of "cfs_rq" is "rq"), which is
   * right: a producer that merges string tails names a type by such an offset.
   */
  stringOffsets(name: string): number[] {
    const found = this.base?.stringOffsets(name) ?? [];
    if (name === '') return found;
    const strings = this.#layout.strings;
    const haystack = Buffer.from(strings.buffer, strings.byteOffset, strings.byteLength);
    const needle = Buffer.from(`${name}\0`, 'utf8');
    const baseBytes = this.base?.stringBytes ?? 0;
    for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) found.push(baseBytes + at);
    return found;
  }

  #decode(id: number, w: number): BtfType {
    const words = this.#layout.words;
    const name = this.string(words[w]!);
    const info = words[w + 1]!;
    const vlen = info & 0xffff;
    const kind = BTF_KINDS[(info >>> 24) & 0x1f]!;
    const kindFlag = info >>> 31 === 1;
    const sizeOrType = words[w + 2]!;
    const at = w + 3;
    switch (kind) {
      case 'INT': {
        const enc = words[at]!;
        const encoding = enc >>> 24;
        return { id, kind, name, size: sizeOrType, signed: (encoding & 1) !== 0, char: (encoding & 2) !== 0, bool: (encoding & 4) !== 0, bitsOffset: (enc >>> 16) & 0xff, bits: enc & 0xff };
      }
      case 'PTR':
      case 'TYPEDEF':
      case 'VOLATILE':
      case 'CONST':
      case 'RESTRICT':
      case 'TYPE_TAG':
        return { id, kind, name, type: sizeOrType } as BtfType;
      case 'ARRAY':
        return { id, kind, name, type: words[at]!, indexType: words[at + 1]!, nelems: words[at + 2]! };
      case 'STRUCT':
      case 'UNION': {
        const members = [];
        for (let m = at; m < at + 3 * vlen; m += 3) {
          const raw = words[m + 2]!;
          members.push({
            name: this.string(words[m]!),
            type: words[m + 1]!,
            bitsOffset: kindFlag ? raw & 0xffffff : raw,
            bitfieldSize: kindFlag ? raw >>> 24 : 0,
          });
        }
        return { id, kind, name, size: sizeOrType, members } as BtfType;
      }
      case 'ENUM': {
        const values = [];
        for (let m = at; m < at + 2 * vlen; m += 2) values.push({ name: this.string(words[m]!), value: kindFlag ? words[m + 1]! | 0 : words[m + 1]! });
        return { id, kind, name, size: sizeOrType, signed: kindFlag, values };
      }
      case 'ENUM64': {
        const values = [];
        for (let m = at; m < at + 3 * vlen; m += 3) {
          const u = (BigInt(words[m + 2]!) << 32n) | BigInt(words[m + 1]!);
          values.push({ name: this.string(words[m]!), value: kindFlag ? BigInt.asIntN(64, u) : u });
        }
        return { id, kind, name, size: sizeOrType, signed: kindFlag, values };
      }
      case 'FWD':
        return { id, kind, name, fwdKind: kindFlag ? 'union' : 'struct' };
      case 'FUNC':
        return { id, kind, name, type: sizeOrType, linkage: LINKAGES[vlen]! };
      case 'FUNC_PROTO': {
        const params = [];
        for (let m = at; m < at + 2 * vlen; m += 2) params.push({ name: this.string(words[m]!), type: words[m + 1]! });
        return { id, kind, name, returnType: sizeOrType, params };
      }
      case 'VAR':
        return { id, kind, name, type: sizeOrType, linkage: LINKAGES[words[at]!]! };
      case 'DATASEC': {
        const vars = [];
        for (let m = at; m < at + 3 * vlen; m += 3) vars.push({ type: words[m]!, offset: words[m + 1]!, size: words[m + 2]! });
        return { id, kind, name, size: sizeOrType, vars };
      }
      case 'FLOAT':
        return { id, kind, name, size: sizeOrType };
      case 'DECL_TAG':
        return { id, kind, name, type: sizeOrType, componentIdx: words[at]! | 0 };
      case 'VOID':
        // parseBtf rejects kind 0 for every id but void, so this is never reached.
        return VOID;
    }
  }

  #badId(id: number): BtfError {
    return new BtfError(0, id, `type id ${id} is not in this BTF (ids 0..${this.typeCount - 1})`);
  }

  #cycle(id: number, what: string): BtfError {
    return new BtfError(this.recordOffset(id), id, `type ${id}: ${what} refers back to itself`);
  }
}

function checkSize(size: number, offset: number, id: number): number | BtfError {
  return size <= Number.MAX_SAFE_INTEGER ? size : new BtfError(offset, size, `type ${id}: size does not fit in a safe integer`);
}

