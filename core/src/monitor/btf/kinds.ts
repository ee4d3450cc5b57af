/**
 * The BTF type kinds (include/uapi/linux/btf.h) and the decoded shape of each. Kind names are
 * the kernel's BTF_KIND_* without the prefix, as `bpftool btf dump format raw` prints them, so
 * a dump and our types can be compared by eye.
 */

export const BTF_KINDS = [
  'VOID', // 0 is BTF_KIND_UNKN; only type id 0 (void) has it
  'INT',
  'PTR',
  'ARRAY',
  'STRUCT',
  'UNION',
  'ENUM',
  'FWD',
  'TYPEDEF',
  'VOLATILE',
  'CONST',
  'RESTRICT',
  'FUNC',
  'FUNC_PROTO',
  'VAR',
  'DATASEC',
  'FLOAT',
  'DECL_TAG',
  'TYPE_TAG',
  'ENUM64',
] as const;

export type BtfKind = (typeof BTF_KINDS)[number];

/** Kind numbers, for the parser and the test writer. */
export const KIND = Object.fromEntries(BTF_KINDS.map((k, i) => [k, i])) as { readonly [K in BtfKind]: number };

export type Linkage = 'static' | 'global' | 'extern';
export const LINKAGES: readonly Linkage[] = ['static', 'global', 'extern'];

interface Base<K extends BtfKind> {
  readonly id: number;
  readonly kind: K;
  /** '' for anonymous types. */
  readonly name: string;
}

export interface BtfVoid extends Base<'VOID'> {}

export interface BtfInt extends Base<'INT'> {
  readonly size: number;
  readonly signed: boolean;
  readonly char: boolean;
  readonly bool: boolean;
  /** BTF_INT_OFFSET: bit offset of the value inside its storage (0 in any modern kernel). */
  readonly bitsOffset: number;
  /** BTF_INT_BITS. */
  readonly bits: number;
}

/** Types that only refer to another: pointers, typedefs, modifiers, type tags. */
export interface BtfRef<K extends 'PTR' | 'TYPEDEF' | 'VOLATILE' | 'CONST' | 'RESTRICT' | 'TYPE_TAG'> extends Base<K> {
  readonly type: number;
}

export interface BtfArray extends Base<'ARRAY'> {
  readonly type: number;
  readonly indexType: number;
  readonly nelems: number;
}

export interface BtfMember {
  /** '' for an anonymous struct or union member, whose members are reached as if they were the parent's. */
  readonly name: string;
  readonly type: number;
  readonly bitsOffset: number;
  /** Width of a bitfield in bits; 0 for an ordinary member. */
  readonly bitfieldSize: number;
}

export interface BtfComposite<K extends 'STRUCT' | 'UNION' = 'STRUCT' | 'UNION'> extends Base<K> {
  readonly size: number;
  readonly members: readonly BtfMember[];
}

export interface BtfEnum extends Base<'ENUM'> {
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly { readonly name: string; readonly value: number }[];
}

export interface BtfEnum64 extends Base<'ENUM64'> {
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly { readonly name: string; readonly value: bigint }[];
}

export interface BtfFwd extends Base<'FWD'> {
  readonly fwdKind: 'struct' | 'union';
}

export interface BtfFunc extends Base<'FUNC'> {
  /** The FUNC_PROTO. */
  readonly type: number;
  readonly linkage: Linkage;
}

export interface BtfFuncProto extends Base<'FUNC_PROTO'> {
  /** 0 for void. */
  readonly returnType: number;
  /** A last parameter of type 0 and no name marks a variadic function. */
  readonly params: readonly { readonly name: string; readonly type: number }[];
}

export interface BtfVar extends Base<'VAR'> {
  readonly type: number;
  readonly linkage: Linkage;
}

export interface BtfDatasecVar {
  /** The VAR (or FUNC, for .ksyms) type id. */
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}

export interface BtfDatasec extends Base<'DATASEC'> {
  readonly size: number;
  readonly vars: readonly BtfDatasecVar[];
}

export interface BtfFloat extends Base<'FLOAT'> {
  readonly size: number;
}

export interface BtfDeclTag extends Base<'DECL_TAG'> {
  readonly type: number;
  /** -1 when the tag is on the type itself, else the member or parameter index. */
  readonly componentIdx: number;
}

export type BtfType =
  | BtfVoid
  | BtfInt
  | BtfRef<'PTR'>
  | BtfArray
  | BtfComposite<'STRUCT'>
  | BtfComposite<'UNION'>
  | BtfEnum
  | BtfFwd
  | BtfRef<'TYPEDEF'>
  | BtfRef<'VOLATILE'>
  | BtfRef<'CONST'>
  | BtfRef<'RESTRICT'>
  | BtfFunc
  | BtfFuncProto
  | BtfVar
  | BtfDatasec
  | BtfFloat
  | BtfDeclTag
  | BtfRef<'TYPE_TAG'>
  | BtfEnum64;

/** Kinds that name another type without changing its layout; resolving skips them. */
export const TRANSPARENT_KINDS: ReadonlySet<BtfKind> = new Set(['TYPEDEF', 'VOLATILE', 'CONST', 'RESTRICT', 'TYPE_TAG']);

/** Absent is an answer, not an error: the BTF is fine but has no such thing. */
export interface Absent {
  readonly found: false;
  readonly why: string;
}
