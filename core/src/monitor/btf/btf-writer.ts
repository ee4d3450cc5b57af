/**
 * Builds BTF blobs byte by byte, for tests: synthetic types with known layouts (every kind,
 * bitfields, anonymous members, cycles that real compilers never emit) and split BTF on top of
 * a base. Types get ids in the order they are added; `nextId` predicts an id for a forward
 * reference (a self-referential list_head, or a deliberate typedef cycle).
 */
import { BTF_MAGIC } from './parse.js';
import { KIND, LINKAGES, type Linkage } from './kinds.js';

export interface WriterMember {
  readonly name: string;
  readonly type: number;
  readonly bitsOffset: number;
  /** Non-zero makes this a bitfield, and the struct's kind_flag is set. */
  readonly bitfieldSize?: number;
}

export class BtfWriter {
  readonly #records: number[][] = [];
  readonly #strings: number[] = [];
  readonly #stringOffsets = new Map<string, number>();
  readonly #firstId: number;
  readonly #baseStrings: number;

  /** For split BTF, give the base's typeCount and stringBytes. */
  constructor(base?: { readonly typeCount: number; readonly stringBytes: number }) {
    this.#firstId = base?.typeCount ?? 1;
    this.#baseStrings = base?.stringBytes ?? 0;
    // A base BTF's string section starts with the empty string; split BTF may too (libbpf's does).
    this.#strings.push(0);
    this.#stringOffsets.set('', 0);
  }

  get nextId(): number {
    return this.#firstId + this.#records.length;
  }

  /** Offset of a string (added once), as a name_off: past the base's strings for split BTF. */
  str(s: string): number {
    // Anonymous types use offset 0, the empty string of the base (or of this BTF itself).
    if (s === '') return 0;
    let at = this.#stringOffsets.get(s);
    if (at === undefined) {
      at = this.#strings.length;
      this.#strings.push(...Buffer.from(s, 'utf8'), 0);
      this.#stringOffsets.set(s, at);
    }
    return this.#baseStrings + at;
  }

  /** A record as raw words: name_off, info, size/type, then the kind's extra words. */
  raw(words: readonly number[]): number {
    this.#records.push([...words]);
    return this.nextId - 1;
  }

  #add(name: string, kind: number, vlen: number, kindFlag: boolean, sizeOrType: number, extra: readonly number[] = []): number {
    const info = ((kindFlag ? 1 : 0) << 31) | (kind << 24) | (vlen & 0xffff);
    return this.raw([this.str(name), info >>> 0, sizeOrType >>> 0, ...extra.map((x) => x >>> 0)]);
  }

  int(name: string, size: number, opts: { signed?: boolean; char?: boolean; bool?: boolean; bits?: number; bitsOffset?: number } = {}): number {
    const encoding = (opts.signed ? 1 : 0) | (opts.char ? 2 : 0) | (opts.bool ? 4 : 0);
    return this.#add(name, KIND.INT, 0, false, size, [(encoding << 24) | ((opts.bitsOffset ?? 0) << 16) | (opts.bits ?? size * 8)]);
  }
  ptr(type: number): number {
    return this.#add('', KIND.PTR, 0, false, type);
  }
  typedef(name: string, type: number): number {
    return this.#add(name, KIND.TYPEDEF, 0, false, type);
  }
  volatile(type: number): number {
    return this.#add('', KIND.VOLATILE, 0, false, type);
  }
  const(type: number): number {
    return this.#add('', KIND.CONST, 0, false, type);
  }
  restrict(type: number): number {
    return this.#add('', KIND.RESTRICT, 0, false, type);
  }
  typeTag(name: string, type: number): number {
    return this.#add(name, KIND.TYPE_TAG, 0, false, type);
  }
  array(type: number, indexType: number, nelems: number): number {
    return this.#add('', KIND.ARRAY, 0, false, 0, [type, indexType, nelems]);
  }
  struct(name: string, size: number, members: readonly WriterMember[]): number {
    return this.#composite(KIND.STRUCT, name, size, members);
  }
  union(name: string, size: number, members: readonly WriterMember[]): number {
    return this.#composite(KIND.UNION, name, size, members);
  }
  #composite(kind: number, name: string, size: number, members: readonly WriterMember[]): number {
    const bitfields = members.some((m) => (m.bitfieldSize ?? 0) > 0);
    const extra = members.flatMap((m) => [this.str(m.name), m.type, bitfields ? ((m.bitfieldSize ?? 0) << 24) | m.bitsOffset : m.bitsOffset]);
    return this.#add(name, kind, members.length, bitfields, size, extra);
  }
  enum(name: string, size: number, values: readonly [string, number][], signed = false): number {
    return this.#add(name, KIND.ENUM, values.length, signed, size, values.flatMap(([n, v]) => [this.str(n), v]));
  }
  enum64(name: string, size: number, values: readonly [string, bigint][], signed = false): number {
    const extra = values.flatMap(([n, v]) => {
      const u = BigInt.asUintN(64, v);
      return [this.str(n), Number(u & 0xffffffffn), Number(u >> 32n)];
    });
    return this.#add(name, KIND.ENUM64, values.length, signed, size, extra);
  }
  fwd(name: string, union = false): number {
    return this.#add(name, KIND.FWD, 0, union, 0);
  }
  func(name: string, proto: number, linkage: Linkage = 'global'): number {
    return this.#add(name, KIND.FUNC, LINKAGES.indexOf(linkage), false, proto);
  }
  funcProto(returnType: number, params: readonly [string, number][]): number {
    return this.#add('', KIND.FUNC_PROTO, params.length, false, returnType, params.flatMap(([n, t]) => [this.str(n), t]));
  }
  var(name: string, type: number, linkage: Linkage = 'global'): number {
    return this.#add(name, KIND.VAR, 0, false, type, [LINKAGES.indexOf(linkage)]);
  }
  datasec(name: string, size: number, vars: readonly { type: number; offset: number; size: number }[]): number {
    return this.#add(name, KIND.DATASEC, vars.length, false, size, vars.flatMap((v) => [v.type, v.offset, v.size]));
  }
  float(name: string, size: number): number {
    return this.#add(name, KIND.FLOAT, 0, false, size);
  }
  declTag(name: string, type: number, componentIdx = -1): number {
    return this.#add(name, KIND.DECL_TAG, 0, false, type, [componentIdx]);
  }

  /** The blob: header, type section, string section (the layout pahole and clang emit). */
  build(): Uint8Array {
    const typeWords = this.#records.flat();
    const typeLen = typeWords.length * 4;
    const strLen = this.#strings.length;
    const out = Buffer.alloc(24 + typeLen + strLen);
    out.writeUInt16LE(BTF_MAGIC, 0);
    out.writeUInt8(1, 2);
    out.writeUInt8(0, 3);
    out.writeUInt32LE(24, 4);
    out.writeUInt32LE(0, 8);
    out.writeUInt32LE(typeLen, 12);
    out.writeUInt32LE(typeLen, 16);
    out.writeUInt32LE(strLen, 20);
    typeWords.forEach((w, i) => out.writeUInt32LE(w >>> 0, 24 + i * 4));
    Buffer.from(this.#strings).copy(out, 24 + typeLen);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  }
}
