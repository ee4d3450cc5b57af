/**
 * The object reader on a BPF ELF built byte by byte, so it is tested without the fixture's build:
 * a struct_ops program whose argument type comes from the ops member it is stored in, a map
 * named by a relocation into `.maps`, a kfunc call relocated against an undefined symbol.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BtfWriter } from '../btf/btf-writer.js';
import { BtfError } from '../btf/btf-error.js';
import { analyzeBpfObject } from './analyze.js';
import { readBpfObjectCode } from './elf-object.js';
import { ALU_OP, CLASS, JMP_OP, MODE, SIZE, SRC_X, encodeInsns } from './insn.js';

interface ElfSection {
  readonly name: string;
  readonly type: number;
  readonly flags?: number;
  readonly data: Buffer;
  readonly link?: number;
  readonly info?: number;
  readonly entsize?: number;
}

/** An ELF64 little-endian relocatable BPF object: the sections after the null one and .shstrtab. */
function elf(sections: readonly ElfSection[]): Buffer {
  const all: ElfSection[] = [{ name: '', type: 0, data: Buffer.alloc(0) }, ...sections];
  const names = Buffer.concat([Buffer.from('\0.shstrtab\0'), ...all.slice(1).map((s) => Buffer.from(`${s.name}\0`))]);
  all.push({ name: '.shstrtab', type: 3, data: names });
  const nameOff = (i: number): number => {
    if (i === all.length - 1) return 1;
    return 11 + all.slice(1, i).reduce((n, s) => n + s.name.length + 1, 0);
  };
  const parts: Buffer[] = [Buffer.alloc(64)];
  let at = 64;
  const offsets = all.map((s) => {
    const pad = (8 - (at % 8)) % 8;
    parts.push(Buffer.alloc(pad), s.data);
    at += pad;
    const off = at;
    at += s.data.length;
    return off;
  });
  const pad = (8 - (at % 8)) % 8;
  parts.push(Buffer.alloc(pad));
  const shoff = at + pad;
  for (const [i, s] of all.entries()) {
    const h = Buffer.alloc(64);
    h.writeUInt32LE(i === 0 ? 0 : nameOff(i), 0);
    h.writeUInt32LE(s.type, 4);
    h.writeBigUInt64LE(BigInt(s.flags ?? 0), 8);
    h.writeBigUInt64LE(BigInt(offsets[i]!), 24);
    h.writeBigUInt64LE(BigInt(s.data.length), 32);
    h.writeUInt32LE(s.link ?? 0, 40);
    h.writeUInt32LE(s.info ?? 0, 44);
    h.writeBigUInt64LE(8n, 48);
    h.writeBigUInt64LE(BigInt(s.entsize ?? 0), 56);
    parts.push(h);
  }
  const out = Buffer.concat(parts);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(out, 0);
  out.writeUInt16LE(1, 16); // ET_REL
  out.writeUInt16LE(247, 18); // EM_BPF
  out.writeUInt32LE(1, 20);
  out.writeBigUInt64LE(BigInt(shoff), 40);
  out.writeUInt16LE(64, 52);
  out.writeUInt16LE(64, 58);
  out.writeUInt16LE(all.length, 60);
  out.writeUInt16LE(all.length - 1, 62);
  return out;
}

function fixtureObject() {
  const w = new BtfWriter();
  const int = w.int('int', 4, { signed: true });
  const u64 = w.int('long long unsigned int', 8);
  const task = w.struct('task_struct', 4, [{ name: 'pid', type: int, bitsOffset: 0 }]);
  const pTask = w.ptr(task);
  const taskCtx = w.struct('task_ctx', 16, [{ name: 'task', type: u64, bitsOffset: 0 }, { name: 'n', type: u64, bitsOffset: 64 }]);
  const mapDef = w.struct('', 8, [{ name: 'value', type: w.ptr(taskCtx), bitsOffset: 0 }]);
  const mapVar = w.var('tctxs', mapDef);
  w.datasec('.maps', 8, [{ type: mapVar, offset: 0, size: 8 }]);
  w.func('bpf_task_release', w.funcProto(0, [['p', pTask]]), 'extern');
  const enqueueProto = w.funcProto(0, [['p', pTask], ['flags', u64]]);
  const ops = w.struct('sched_ext_ops', 16, [{ name: 'select_cpu', type: w.ptr(enqueueProto), bitsOffset: 0 }, { name: 'enqueue', type: w.ptr(enqueueProto), bitsOffset: 64 }]);
  const opsVar = w.var('my_ops', ops);
  w.datasec('.struct_ops.link', 16, [{ type: opsVar, offset: 0, size: 16 }]);

  const I = (code: number, dst: number, src: number, off: number, imm: number) => ({ code, dst, src, off, imm });
  const code = encodeInsns([
    I(CLASS.LDX | MODE.MEM | SIZE.DW, 6, 1, 0, 0), // 0: r6 = ctx[0] (p)
    I(CLASS.ST | MODE.MEM | SIZE.DW, 10, 0, -8, 0), // 1
    { ...I(CLASS.LD | SIZE.DW | MODE.IMM, 1, 0, 0, 0), imm64: 0n }, // 2-3: r1 = &tctxs (relocated)
    I(CLASS.ALU64 | ALU_OP.MOV | SRC_X, 2, 10, 0, 0), // 4
    I(CLASS.ALU64 | ALU_OP.ADD, 2, 0, 0, -8), // 5
    I(CLASS.JMP | JMP_OP.CALL, 0, 0, 0, 1), // 6: bpf_map_lookup_elem
    I(CLASS.JMP | JMP_OP.JEQ, 0, 0, 3, 0), // 7: if r0 == 0 goto 11
    I(CLASS.STX | MODE.MEM | SIZE.DW, 0, 6, 0, 0), // 8: v->task = p
    I(CLASS.LDX | MODE.MEM | SIZE.DW, 1, 0, 0, 0), // 9: r1 = v->task
    I(CLASS.JMP | JMP_OP.CALL, 0, 0, 0, -1), // 10: bpf_task_release (relocated)
    I(CLASS.ALU64 | ALU_OP.MOV, 0, 0, 0, 0), // 11
    I(CLASS.JMP | JMP_OP.EXIT, 0, 0, 0, 0), // 12
  ]);
  // Section indexes: 1 prog, 2 .maps, 3 .struct_ops.link, 4 .symtab, 5 .strtab, 6 .relprog, 7 .rel.struct_ops.link, 8 .BTF
  const strtab = Buffer.from('\0my_enqueue\0tctxs\0bpf_task_release\0my_ops\0');
  const sym = (name: number, type: number, shndx: number, value: number, size: number) => {
    const b = Buffer.alloc(24);
    b.writeUInt32LE(name, 0);
    b[4] = (1 << 4) | type; // STB_GLOBAL
    b.writeUInt16LE(shndx, 6);
    b.writeBigUInt64LE(BigInt(value), 8);
    b.writeBigUInt64LE(BigInt(size), 16);
    return b;
  };
  const symtab = Buffer.concat([Buffer.alloc(24), sym(1, 2, 1, 0, code.length), sym(12, 1, 2, 0, 8), sym(18, 0, 0, 0, 0), sym(35, 1, 3, 0, 16)]);
  const rel = (offset: number, symIndex: number, type: number) => {
    const b = Buffer.alloc(16);
    b.writeBigUInt64LE(BigInt(offset), 0);
    b.writeBigUInt64LE((BigInt(symIndex) << 32n) | BigInt(type), 8);
    return b;
  };
  return elf([
    { name: 'struct_ops/my_enqueue', type: 1, flags: 0x6, data: code },
    { name: '.maps', type: 1, flags: 0x3, data: Buffer.alloc(8) },
    { name: '.struct_ops.link', type: 1, flags: 0x3, data: Buffer.alloc(16) },
    { name: '.symtab', type: 2, data: symtab, link: 5, info: 1, entsize: 24 },
    { name: '.strtab', type: 3, data: strtab },
    { name: '.relstruct_ops/my_enqueue', type: 9, data: Buffer.concat([rel(2 * 8, 2, 1), rel(10 * 8, 3, 10)]), link: 4, info: 1, entsize: 16 },
    { name: '.rel.struct_ops.link', type: 9, data: rel(8, 1, 2), link: 4, info: 3, entsize: 16 },
    { name: '.BTF', type: 1, data: Buffer.from(w.build()) },
  ]);
}

test('relocations become map and kfunc references; the struct_ops member types ctx', () => {
  const code = readBpfObjectCode(fixtureObject());
  if (code instanceof BtfError) throw code;
  assert.deepEqual([...code.maps.keys()], ['tctxs']);
  const [prog] = code.programs;
  assert.equal(prog?.name, 'my_enqueue');
  assert.equal(prog?.section, 'struct_ops/my_enqueue');
  assert.deepEqual(prog?.refs.get(2), { kind: 'map', map: 'tctxs' });
  assert.equal(prog?.refs.get(10)?.kind, 'kfunc');
  assert.deepEqual(prog?.ctxArgs?.map((t) => code.btf.kind(t)), ['PTR', 'INT'], 'enqueue(struct task_struct *p, u64 flags)');
});

test('the hand-built object proves its u64 holds a task_struct *, by the store and by the release', () => {
  const r = analyzeBpfObject(fixtureObject());
  if (r instanceof BtfError) throw r;
  const c = r.casts.get('task_ctx+0');
  assert.equal(c?.targetName, 'task_struct');
  assert.deepEqual(c?.evidence, [{ prog: 'my_enqueue', insn: 8 }, { prog: 'my_enqueue', insn: 10 }]);
});

test('an object without .BTF is refused with why', () => {
  const r = readBpfObjectCode(elf([{ name: '.text', type: 1, flags: 0x6, data: Buffer.alloc(8) }]), 'x.o');
  assert.ok(r instanceof BtfError);
  assert.match(r.message, /no \.BTF/);
});
