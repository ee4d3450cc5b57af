/**
 * The cast analysis on hand-assembled programs over a small BTF: each proof it should find, and
 * each shape that must not become a cast (disagreeing stores, a join of two pointer types, a
 * spill overwritten by a number, arithmetic on the loaded value, a u64 never used as a pointer).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BtfWriter } from '../btf/btf-writer.js';
import { parseBtf } from '../btf/parse.js';
import type { Btf } from '../btf/btf.js';
import { analyzeCasts } from './analyze.js';
import { ADDR_SPACE_CAST, ALU_OP, CLASS, JMP_OP, MODE, SIZE, SRC_X, decodeInsns, encodeInsns, type Insn } from './insn.js';
import type { InsnRef, MapDecl, ProgramCode } from './program.js';

function testBtf() {
  const w = new BtfWriter();
  const int = w.int('int', 4, { signed: true });
  const u64 = w.int('long long unsigned int', 8);
  const task = w.struct('task_struct', 16, [{ name: 'pid', type: int, bitsOffset: 0 }, { name: 'flags', type: u64, bitsOffset: 64 }]);
  const cgroup = w.struct('cgroup', 8, [{ name: 'id', type: u64, bitsOffset: 0 }]);
  const pTask = w.ptr(task);
  const pCgroup = w.ptr(cgroup);
  const inner = w.struct('inner', 8, [{ name: 't', type: u64, bitsOffset: 0 }]);
  const names = ['task', 'cg', 'counter', 'other', 'spill', 'arena', 'typed', 'in'];
  const taskCtx = w.struct('task_ctx', 64, names.map((name, n) => ({ name, type: name === 'typed' ? pTask : name === 'in' ? inner : u64, bitsOffset: n * 64 })));
  const kfunc = (name: string, ret: number, params: [string, number][]) => w.func(name, w.funcProto(ret, params), 'extern');
  const fromPid = kfunc('bpf_task_from_pid', pTask, [['pid', int]]);
  const release = kfunc('bpf_task_release', 0, [['p', pTask]]);
  const cgFromId = kfunc('bpf_cgroup_from_id', pCgroup, [['id', u64]]);
  const cgRelease = kfunc('bpf_cgroup_release', 0, [['cgrp', pCgroup]]);
  const voidPtr = w.ptr(0);
  const arenaAlloc = kfunc('bpf_arena_alloc_pages', voidPtr, [['map', voidPtr], ['addr', voidPtr], ['pages', int]]);
  const gTask = w.var('g_task', u64);
  const gCount = w.var('g_count', u64);
  const bss = w.datasec('.bss', 16, [{ type: gTask, offset: 0, size: 8 }, { type: gCount, offset: 8, size: 8 }]);
  const btf = parseBtf(w.build()) as Btf;
  return { btf, ids: { task, cgroup, taskCtx, inner, bss }, kfuncs: { bpf_task_from_pid: fromPid, bpf_task_release: release, bpf_cgroup_from_id: cgFromId, bpf_cgroup_release: cgRelease, bpf_arena_alloc_pages: arenaAlloc } };
}

const T = testBtf();
const MAPS: MapDecl[] = [{ name: 'task_ctxs', valueType: T.ids.taskCtx }, { name: '.bss', valueType: T.ids.bss }];
const F = { task: 0, cg: 8, counter: 16, other: 24, spill: 32, arena: 40, typed: 48, in: 56 };

/** A tiny assembler: each method appends one instruction (ld_imm64 takes two slots) and returns the slot it used. */
class Asm {
  readonly insns: Omit<Insn, 'index'>[] = [];
  readonly refs = new Map<number, InsnRef>();
  #slot = 0;
  readonly #labels = new Map<string, number>();
  readonly #fixups: { at: number; label: string }[] = [];

  #emit(i: Omit<Insn, 'index'>, slots = 1): number {
    this.insns.push(i);
    const at = this.#slot;
    this.#slot += slots;
    return at;
  }
  label(name: string): void {
    this.#labels.set(name, this.#slot);
  }
  mov(dst: number, imm: number): number {
    return this.#emit({ code: CLASS.ALU64 | ALU_OP.MOV, dst, src: 0, off: 0, imm });
  }
  movReg(dst: number, src: number): number {
    return this.#emit({ code: CLASS.ALU64 | ALU_OP.MOV | SRC_X, dst, src, off: 0, imm: 0 });
  }
  add(dst: number, imm: number): number {
    return this.#emit({ code: CLASS.ALU64 | ALU_OP.ADD, dst, src: 0, off: 0, imm });
  }
  addrSpaceCast(dst: number, src: number): number {
    return this.#emit({ code: CLASS.ALU64 | ALU_OP.MOV | SRC_X, dst, src, off: ADDR_SPACE_CAST, imm: 1 });
  }
  ldx(dst: number, src: number, off: number, size: number = SIZE.DW): number {
    return this.#emit({ code: CLASS.LDX | MODE.MEM | size, dst, src, off, imm: 0 });
  }
  stx(dst: number, off: number, src: number, size: number = SIZE.DW): number {
    return this.#emit({ code: CLASS.STX | MODE.MEM | size, dst, src, off, imm: 0 });
  }
  st(dst: number, off: number, imm: number): number {
    return this.#emit({ code: CLASS.ST | MODE.MEM | SIZE.DW, dst, src: 0, off, imm });
  }
  atomicAdd(dst: number, off: number, src: number): number {
    return this.#emit({ code: CLASS.STX | MODE.ATOMIC | SIZE.DW, dst, src, off, imm: ALU_OP.ADD });
  }
  ldMap(dst: number, map: string): number {
    const at = this.#emit({ code: CLASS.LD | SIZE.DW | MODE.IMM, dst, src: 0, off: 0, imm: 0, imm64: 0n }, 2);
    this.refs.set(at, { kind: 'map', map });
    return at;
  }
  ldMapValue(dst: number, map: string, offset: number): number {
    const at = this.#emit({ code: CLASS.LD | SIZE.DW | MODE.IMM, dst, src: 0, off: 0, imm: 0, imm64: 0n }, 2);
    this.refs.set(at, { kind: 'mapValue', map, offset });
    return at;
  }
  call(helper: number): number {
    return this.#emit({ code: CLASS.JMP | JMP_OP.CALL, dst: 0, src: 0, off: 0, imm: helper });
  }
  kcall(name: keyof typeof T.kfuncs): number {
    const at = this.#emit({ code: CLASS.JMP | JMP_OP.CALL, dst: 0, src: 2, off: 0, imm: -1 });
    this.refs.set(at, { kind: 'kfunc', name, func: T.kfuncs[name] });
    return at;
  }
  jeq(dst: number, imm: number, label: string): number {
    return this.#jump({ code: CLASS.JMP | JMP_OP.JEQ, dst, src: 0, off: 0, imm }, label);
  }
  ja(label: string): number {
    return this.#jump({ code: CLASS.JMP | JMP_OP.JA, dst: 0, src: 0, off: 0, imm: 0 }, label);
  }
  #jump(i: Omit<Insn, 'index'>, label: string): number {
    this.#fixups.push({ at: this.insns.length, label });
    return this.#emit(i);
  }
  exit(): number {
    return this.#emit({ code: CLASS.JMP | JMP_OP.EXIT, dst: 0, src: 0, off: 0, imm: 0 });
  }
  /** r0 = the task_ctxs value (key 0 on the stack at fp-8), or exit when the lookup fails. */
  lookup(): void {
    this.st(10, -8, 0);
    this.ldMap(1, 'task_ctxs');
    this.movReg(2, 10);
    this.add(2, -8);
    this.call(1);
    this.jeq(0, 0, 'out');
  }
  /** Resolves labels, encodes and decodes (so every program also exercises the decoder). */
  program(name: string): ProgramCode {
    if (!this.#labels.has('out')) this.label('out');
    if (this.#labels.get('out') === this.#slot) {
      this.mov(0, 0);
      this.exit();
    }
    const slots: number[] = [];
    let slot = 0;
    for (const i of this.insns) {
      slots.push(slot);
      slot += i.imm64 !== undefined ? 2 : 1;
    }
    const insns = this.insns.map((i, n) => {
      const fix = this.#fixups.find((f) => f.at === n);
      return fix ? { ...i, off: this.#labels.get(fix.label)! - slots[n]! - 1 } : i;
    });
    return { name, section: `struct_ops/${name}`, insns: decodeInsns(encodeInsns(insns)), refs: this.refs };
  }
}

function asm(name: string, body: (a: Asm) => void): ProgramCode {
  const a = new Asm();
  body(a);
  return a.program(name);
}

/** r6 = a task_struct * from bpf_task_from_pid(1). */
const taskInR6 = (a: Asm) => {
  a.mov(1, 1);
  a.kcall('bpf_task_from_pid');
  a.movReg(6, 0);
};
/** r7 = a cgroup * from bpf_cgroup_from_id(1). */
const cgroupInR7 = (a: Asm) => {
  a.mov(1, 1);
  a.kcall('bpf_cgroup_from_id');
  a.movReg(7, 0);
};

test('a u64 field passed to a kfunc taking struct task_struct * holds a task_struct * (kernel)', () => {
  let at = 0;
  const prog = asm('release_stored', (a) => {
    a.lookup();
    a.ldx(1, 0, F.task);
    at = a.kcall('bpf_task_release');
  });
  const casts = analyzeCasts(T.btf, MAPS, [prog]);
  const c = casts.casts.get('task_ctx+0');
  assert.ok(c, `casts: ${[...casts.casts.keys()]}`);
  assert.equal(c.kind, 'kernel');
  assert.equal(c.target, T.ids.task);
  assert.equal(c.targetName, 'task_struct');
  assert.deepEqual(c.evidence, [{ prog: 'release_stored', insn: at }]);
  assert.equal(casts.castTarget(T.ids.taskCtx, 0), c, 'the renderer finds it by struct id and offset');
  assert.equal(casts.castTarget(T.ids.taskCtx, 8), undefined);
});

test('a task_struct * stored into a u64 field, and the same field read back as one, agree (both directions)', () => {
  let store = 0;
  const stores = asm('store_task', (a) => {
    taskInR6(a);
    a.lookup();
    store = a.stx(0, F.task, 6);
  });
  const reads = asm('release_stored', (a) => {
    a.lookup();
    a.ldx(1, 0, F.task);
    a.kcall('bpf_task_release');
  });
  const c = analyzeCasts(T.btf, MAPS, [stores, reads]).casts.get('task_ctx+0');
  assert.equal(c?.target, T.ids.task);
  assert.equal(c?.evidence.length, 2);
  assert.deepEqual(c?.evidence[0], { prog: 'store_task', insn: store });
});

test('a global u64 in .bss and a field of a nested struct are keyed by their innermost container', () => {
  const prog = asm('globals', (a) => {
    taskInR6(a);
    a.ldMapValue(1, '.bss', 0);
    a.stx(1, 0, 6);
    a.lookup();
    a.stx(0, F.in, 6);
  });
  const r = analyzeCasts(T.btf, MAPS, [prog]);
  assert.deepEqual([...r.casts.keys()].sort(), ['.bss+0', 'inner+0']);
  assert.equal(r.castTarget(T.ids.bss, 0)?.targetName, 'task_struct');
  assert.equal(r.castTarget(T.ids.inner, 0)?.targetName, 'task_struct');
});

test('a task_struct * spilled to the stack and filled back still proves the store', () => {
  const prog = asm('spill', (a) => {
    taskInR6(a);
    a.stx(10, -16, 6);
    a.mov(6, 0);
    a.lookup();
    a.ldx(3, 10, -16);
    a.stx(0, F.spill, 3);
  });
  assert.equal(analyzeCasts(T.btf, MAPS, [prog]).casts.get('task_ctx+32')?.target, T.ids.task);
});

test('arena pointers: bpf_arena_alloc_pages stored, or a field put through addr_space_cast, are cast→arena', () => {
  const alloc = asm('alloc', (a) => {
    a.mov(1, 0);
    a.mov(2, 0);
    a.mov(3, 1);
    a.kcall('bpf_arena_alloc_pages');
    a.movReg(6, 0);
    a.lookup();
    a.stx(0, F.arena, 6);
  });
  const cast = asm('cast', (a) => {
    a.lookup();
    a.ldx(1, 0, F.arena);
    a.addrSpaceCast(1, 1);
  });
  const c = analyzeCasts(T.btf, MAPS, [alloc, cast]).casts.get('task_ctx+40');
  assert.equal(c?.kind, 'arena');
  assert.equal(c?.target, 0, 'the pointee is not known');
  assert.equal(c?.evidence.length, 2);
});

test('conflicting stores (a task_struct * here, a cgroup * there) give no cast, and are listed', () => {
  const a1 = asm('store_task', (a) => {
    taskInR6(a);
    a.lookup();
    a.stx(0, F.cg, 6);
  });
  const a2 = asm('store_cgroup', (a) => {
    cgroupInR7(a);
    a.lookup();
    a.stx(0, F.cg, 7);
  });
  const r = analyzeCasts(T.btf, MAPS, [a1, a2]);
  assert.equal(r.casts.size, 0);
  assert.deepEqual(r.conflicts.map((c) => c.key), ['task_ctx+8']);
  assert.equal(r.conflicts[0]!.claims.length, 2);
});

test('a join where one branch holds a task_struct * and the other a cgroup * proves nothing', () => {
  const joined = asm('join', (a) => {
    a.movReg(8, 1); // some runtime condition
    taskInR6(a);
    cgroupInR7(a);
    a.jeq(8, 0, 'cg');
    a.movReg(9, 6);
    a.ja('store');
    a.label('cg');
    a.movReg(9, 7);
    a.label('store');
    a.lookup();
    a.stx(0, F.other, 9);
  });
  const r = analyzeCasts(T.btf, MAPS, [joined]);
  assert.equal(r.casts.size, 0);
  assert.equal(r.conflicts.length, 0, 'not even a claim: after the join r9 is unknown');
  // Each branch storing its own pointer is two claims that disagree.
  const twoStores = asm('branches', (a) => {
    a.movReg(8, 1);
    taskInR6(a);
    cgroupInR7(a);
    a.lookup();
    a.jeq(8, 0, 'cg');
    a.stx(0, F.other, 6);
    a.ja('out');
    a.label('cg');
    a.stx(0, F.other, 7);
  });
  const r2 = analyzeCasts(T.btf, MAPS, [twoStores]);
  assert.equal(r2.casts.size, 0);
  assert.deepEqual(r2.conflicts.map((c) => c.key), ['task_ctx+24']);
});

test('branches that agree keep the fact through the join', () => {
  const agree = asm('agree', (a) => {
    a.movReg(8, 1);
    taskInR6(a);
    a.jeq(8, 0, 'else');
    a.mov(2, 1);
    a.ja('store');
    a.label('else');
    a.mov(2, 2);
    a.label('store');
    a.lookup();
    a.stx(0, F.other, 6);
  });
  assert.equal(analyzeCasts(T.btf, MAPS, [agree]).casts.get('task_ctx+24')?.target, T.ids.task);
});

test('a stack spill overwritten by a scalar before the fill proves nothing (and vetoes the field)', () => {
  const prog = asm('overwrite', (a) => {
    taskInR6(a);
    a.stx(10, -16, 6);
    a.mov(3, 5);
    a.stx(10, -16, 3);
    a.lookup();
    a.ldx(3, 10, -16);
    a.stx(0, F.spill, 3);
  });
  const r = analyzeCasts(T.btf, MAPS, [prog]);
  assert.equal(r.casts.size, 0);
  assert.deepEqual(r.conflicts.map((c) => c.claims.map((x) => x.target.kind)), [['scalar']]);
});

test('a store through a pointer that may be the spill slot forgets the spill', () => {
  const prog = asm('alias', (a) => {
    a.movReg(8, 1);
    taskInR6(a);
    a.stx(10, -16, 6);
    a.movReg(2, 10);
    a.jeq(8, 0, 'other');
    a.add(2, -16);
    a.ja('write');
    a.label('other');
    a.add(2, -24);
    a.label('write');
    a.st(2, 0, 5); // r2 is fp-16 or fp-24: after the join, unknown
    a.lookup();
    a.ldx(3, 10, -16);
    a.stx(0, F.spill, 3);
  });
  const r = analyzeCasts(T.btf, MAPS, [prog]);
  assert.equal(r.casts.size, 0);
});

test('pointer arithmetic off the field: field + 8 passed as a task_struct * proves nothing about the field', () => {
  const prog = asm('offset', (a) => {
    a.lookup();
    a.ldx(1, 0, F.task);
    a.add(1, 8);
    a.kcall('bpf_task_release');
  });
  const r = analyzeCasts(T.btf, MAPS, [prog]);
  assert.equal(r.casts.size, 0);
  assert.equal(r.conflicts.length, 0);
});

test('a u64 never used as a pointer, and a counter, get no cast', () => {
  const prog = asm('counter', (a) => {
    a.lookup();
    a.ldx(1, 0, F.counter); // read, copied to a global, never dereferenced
    a.ldMapValue(2, '.bss', 8);
    a.stx(2, 0, 1);
    a.ldx(3, 0, F.other); // x += 1
    a.add(3, 1);
    a.stx(0, F.other, 3);
    a.mov(4, 1);
    a.atomicAdd(0, F.cg, 4); // __sync_fetch_and_add
    a.st(0, F.arena, 0); // clearing to NULL is no evidence either way
  });
  const r = analyzeCasts(T.btf, MAPS, [prog]);
  assert.equal(r.casts.size, 0);
  assert.deepEqual(r.conflicts.map((c) => c.key).sort(), ['task_ctx+24', 'task_ctx+8']);
});

test('a field that is already a BTF pointer is not a cast; a u64 stored into it is proven by it', () => {
  const prog = asm('typed', (a) => {
    taskInR6(a);
    a.lookup();
    a.stx(0, F.typed, 6); // a typed field: the BTF says it already
    a.ldx(1, 0, F.counter);
    a.ldx(2, 0, F.typed); // r2: struct task_struct *
    a.stx(2, 0, 6); // into task_struct.pid region: no u64 there, nothing
    a.stx(0, F.typed, 1); // the u64 at +16 goes where a task_struct * must go
  });
  const r = analyzeCasts(T.btf, MAPS, [prog]);
  assert.deepEqual([...r.casts.keys()], ['task_ctx+16']);
  assert.equal(r.casts.get('task_ctx+16')?.targetName, 'task_struct');
});

test('loops reach a fixed point; the claim after the loop is kept', () => {
  const prog = asm('loop', (a) => {
    taskInR6(a);
    a.mov(7, 0);
    a.label('top');
    a.add(7, 1);
    a.stx(10, -24, 7);
    a.jeq(7, 10, 'done');
    a.ja('top');
    a.label('done');
    a.lookup();
    a.stx(0, F.task, 6);
  });
  const r = analyzeCasts(T.btf, MAPS, [prog]);
  assert.deepEqual(r.skipped, []);
  assert.equal(r.casts.get('task_ctx+0')?.target, T.ids.task);
});

test('the decoder keeps slot numbering across ld_imm64 and round-trips the 64-bit immediate', () => {
  const bytes = encodeInsns([
    { code: CLASS.LD | SIZE.DW | MODE.IMM, dst: 1, src: 2, off: 0, imm: 0, imm64: 0x1234_5678_9abc_def0n },
    { code: CLASS.JMP | JMP_OP.EXIT, dst: 0, src: 0, off: 0, imm: 0 },
  ]);
  assert.equal(bytes.length, 24);
  const [ld, exit] = decodeInsns(bytes);
  assert.equal(ld!.imm64, 0x1234_5678_9abc_def0n);
  assert.equal(ld!.src, 2);
  assert.equal(exit!.index, 2);
});
