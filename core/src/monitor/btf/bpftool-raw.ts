/**
 * bpftool's raw BTF dump, for cross-checking the parser in tests: where the toolchain's bpftool
 * is cached, our types printed in its `format raw` layout (tools/bpf/bpftool/btf.c,
 * dump_btf_type), and its own dump split into one block per type id.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Btf } from './btf.js';
import type { BtfType } from './kinds.js';

/** The toolchain's bpftool (native/scripts/build-toolchain.sh), preferring the kernel's version. */
export function cachedBpftool(version: string | undefined): string | undefined {
  const root = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ktstr', 'toolchain');
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'bpftool')));
  const pick = versions.find((v) => version !== undefined && v.startsWith(`${version}-`)) ?? versions.sort().at(-1);
  return pick === undefined ? undefined : join(root, pick, 'bin', 'bpftool');
}

/** One type as bpftool's raw format prints it (tools/bpf/bpftool/btf.c, dump_btf_type). */
export function formatRaw(btf: Btf, t: BtfType): string {
  const q = (s: string) => `'${s === '' ? '(anon)' : s}'`;
  const head = `[${t.id}] ${t.kind} ${q(t.name)}`;
  switch (t.kind) {
    case 'INT': {
      const enc = t.signed ? 'SIGNED' : t.char ? 'CHAR' : t.bool ? 'BOOL' : '(none)';
      return `${head} size=${t.size} bits_offset=${t.bitsOffset} nr_bits=${t.bits} encoding=${enc}`;
    }
    case 'PTR':
    case 'TYPEDEF':
    case 'VOLATILE':
    case 'CONST':
    case 'RESTRICT':
    case 'TYPE_TAG':
      return `${head} type_id=${t.type}`;
    case 'ARRAY':
      return `${head} type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.nelems}`;
    case 'STRUCT':
    case 'UNION':
      return [
        `${head} size=${t.size} vlen=${t.members.length}`,
        ...t.members.map((m) => `\t${q(m.name)} type_id=${m.type} bits_offset=${m.bitsOffset}${m.bitfieldSize ? ` bitfield_size=${m.bitfieldSize}` : ''}`),
      ].join('\n');
    case 'ENUM':
    case 'ENUM64': {
      const suffix = t.kind === 'ENUM64' ? (t.signed ? 'LL' : 'ULL') : '';
      return [
        `${head} encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}`,
        ...t.values.map((v) => `\t${q(v.name)} val=${v.value}${suffix}`),
      ].join('\n');
    }
    case 'FWD':
      return `${head} fwd_kind=${t.fwdKind}`;
    case 'FUNC':
      return `${head} type_id=${t.type} linkage=${t.linkage}`;
    case 'FUNC_PROTO':
      return [`${head} ret_type_id=${t.returnType} vlen=${t.params.length}`, ...t.params.map((p) => `\t${q(p.name)} type_id=${p.type}`)].join('\n');
    case 'VAR':
      return `${head} type_id=${t.type}, linkage=${t.linkage}`;
    case 'DATASEC':
      return [
        `${head} size=${t.size} vlen=${t.vars.length}`,
        ...t.vars.map((v) => `\ttype_id=${v.type} offset=${v.offset} size=${v.size} (${btf.kind(v.type)} ${q(btf.name(v.type) as string)})`),
      ].join('\n');
    case 'FLOAT':
      return `${head} size=${t.size}`;
    case 'DECL_TAG':
      return `${head} type_id=${t.type} component_idx=${t.componentIdx}`;
    case 'VOID':
      return head;
  }
}

/** bpftool's dump split into one text block per type id. */
export function bpftoolBlocks(bpftool: string, path: string): Map<number, string> {
  const out = execFileSync(bpftool, ['btf', 'dump', 'file', path, 'format', 'raw'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const blocks = new Map<number, string>();
  for (const block of out.split(/\n(?=\[\d+\] )/)) {
    const id = Number(/^\[(\d+)\]/.exec(block)?.[1]);
    blocks.set(id, block.replace(/\n+$/, ''));
  }
  return blocks;
}

