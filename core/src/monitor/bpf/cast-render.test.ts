/**
 * The cast renderer's join of a host-side analysis with a map's guest BTF: a proven field is
 * chased and marked, and every way the two could fail to line up (another map, a struct of
 * another shape) draws the plain integer instead. Guest memory here is a few bytes at a kernel
 * address; the VM test (test/vm/monitor-cast.test.ts) chases a real task.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BtfWriter } from '../btf/btf-writer.js';
import { parseBtf } from '../btf/parse.js';
import type { Btf } from '../btf/btf.js';
import { CastAnalysis } from '../cast/analyze.js';
import type { CastMap } from '../cast/cast-map.js';
import type { KernelProgram } from '../program.js';
import { Unavailable } from '../unavailable.js';
import { CAST_ARENA, CAST_KERNEL, CastRenderer, isCastValue } from './cast-render.js';
import { decodeValue } from './decode.js';
import type { BpfMapInfo } from './maps.js';

const TASK_VA = 0xffff888001234000n;

function parse(w: BtfWriter): Btf {
  const b = parseBtf(w.build());
  if (b instanceof Error) throw b;
  return b;
}

/** The scheduler's BTF: struct cpu_running { u64 task; u64 since_ns; } (or a wider one). */
function schedulerBtf(size = 16): { btf: Btf; struct: number } {
  const w = new BtfWriter();
  const u64 = w.int('unsigned long long', 8);
  const members = [{ name: 'task', type: u64, bitsOffset: 0 }, { name: 'since_ns', type: u64, bitsOffset: 64 }];
  if (size > 16) members.push({ name: 'extra', type: u64, bitsOffset: 128 });
  const struct = w.struct('cpu_running', size, members);
  return { btf: parse(w), struct };
}

/** The kernel's BTF: a task_struct with a pid, a comm and a nested struct. */
function kernelBtf(): Btf {
  const w = new BtfWriter();
  const int = w.int('int', 4, { signed: true });
  const u32 = w.int('unsigned int', 4);
  const char = w.int('char', 1, { signed: true, char: true });
  const u64 = w.int('unsigned long long', 8);
  const se = w.struct('sched_entity', 8, [{ name: 'vruntime', type: u64, bitsOffset: 0 }]);
  w.struct('task_struct', 32, [
    { name: 'pid', type: int, bitsOffset: 0 },
    { name: 'comm', type: w.array(char, u32, 16), bitsOffset: 32 },
    { name: 'se', type: se, bitsOffset: 192 },
  ]);
  return parse(w);
}

function program(): KernelProgram {
  const task = Buffer.alloc(32);
  task.writeInt32LE(42, 0);
  task.write('worker-7', 4, 'latin1');
  return {
    readBytes: (va: bigint, n: number) => (va === TASK_VA && n === 32 ? task : new Unavailable(`nothing at ${va.toString(16)}`)),
  } as unknown as KernelProgram;
}

function analysis(btf: Btf, struct: number): CastAnalysis {
  const casts: CastMap = new Map([['cpu_running+0', { kind: 'kernel', target: 99, targetName: 'task_struct', struct, offset: 0, evidence: [{ prog: 'ktstr_running', insn: 7 }] }]]);
  return new CastAnalysis(btf, casts, [], [], ['running_task', '.bss']);
}

const map = (name: string): BpfMapInfo => ({ name } as BpfMapInfo);

function value(task: bigint): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(task, 0);
  b.writeBigUInt64LE(123n, 8);
  return b;
}

test('a proven task pointer is chased into the task and marked cast→kernel; its neighbour stays a number', () => {
  const { btf, struct } = schedulerBtf();
  const r = new CastRenderer(program(), kernelBtf(), [analysis(btf, struct)]);
  const v = decodeValue(btf, struct, value(TASK_VA), r.optionsFor(map('running_task'), btf)) as Record<string, unknown>;
  assert.equal(v.since_ns, 123n);
  assert.ok(isCastValue(v.task));
  assert.equal(v.task.cast, CAST_KERNEL);
  assert.equal(v.task.raw, TASK_VA);
  assert.equal(v.task.type, 'task_struct');
  const t = v.task.target as Record<string, unknown>;
  assert.equal(t.pid, 42);
  assert.equal(t.comm, 'worker-7');
  assert.ok(t.se instanceof Unavailable, 'nested structs are past the default depth');
  // One level deeper on request.
  const deep = new CastRenderer(program(), kernelBtf(), [analysis(btf, struct)], { depth: 1 });
  const d = decodeValue(btf, struct, value(TASK_VA), deep.optionsFor(map('running_task'), btf)) as { task: { target: { se: unknown } } };
  assert.deepEqual(d.task.target.se, { vruntime: 0n });
});

test('a null pointer is marked with no target; an unreadable one says why', () => {
  const { btf, struct } = schedulerBtf();
  const r = new CastRenderer(program(), kernelBtf(), [analysis(btf, struct)]);
  const nul = decodeValue(btf, struct, value(0n), r.optionsFor(map('running_task'), btf)) as { task: unknown };
  assert.ok(isCastValue(nul.task));
  assert.equal(nul.task.target, null);
  const bad = decodeValue(btf, struct, value(TASK_VA + 8n), r.optionsFor(map('running_task'), btf)) as { task: { target: unknown } };
  assert.ok(bad.task.target instanceof Unavailable);
  assert.match((bad.task.target as Unavailable).unavailable, /struct task_struct at 0xffff888001234008/);
});

test('no cast when the map is not the analysed object\'s, or the guest\'s struct has another shape', () => {
  const { btf, struct } = schedulerBtf();
  const r = new CastRenderer(program(), kernelBtf(), [analysis(btf, struct)]);
  const other = decodeValue(btf, struct, value(TASK_VA), r.optionsFor(map('other_map'), btf)) as { task: unknown };
  assert.equal(other.task, TASK_VA);
  const wide = schedulerBtf(24);
  const bytes = Buffer.concat([value(TASK_VA), Buffer.alloc(8)]);
  const v = decodeValue(wide.btf, wide.struct, bytes, r.optionsFor(map('running_task'), wide.btf)) as { task: unknown };
  assert.equal(v.task, TASK_VA, 'a cpu_running of 24 bytes is not the analysed one of 16');
});

test('an arena pointer is read at kern_vm_start + its lower 32 bits; untyped, its first bytes are shown', () => {
  const w = new BtfWriter();
  const u64 = w.int('unsigned long long', 8);
  const struct = w.struct('arena_slot', 8, [{ name: 'note', type: u64, bitsOffset: 0 }]);
  const btf = parse(w);
  const KERN_START = 0xffffc90020000000n;
  const note = Buffer.alloc(64);
  note.write('arena!', 0, 'latin1');
  const prog = {
    readBytes: (va: bigint, n: number) => (va === KERN_START + 0x3000n && n === 64 ? note : new Unavailable(`nothing at ${va.toString(16)}`)),
  } as unknown as KernelProgram;
  const casts: CastMap = new Map([['arena_slot+0', { kind: 'arena', target: 0, targetName: '', struct, offset: 0, evidence: [{ prog: 'ktstr_init', insn: 3 }] }]]);
  const a = new CastAnalysis(btf, casts, [], [], ['arena_slot']);
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(0x100000003000n); // a user address: map_extra 1 << 44, page 3
  const r = new CastRenderer(prog, kernelBtf(), [a], { arenaStart: () => KERN_START });
  const v = decodeValue(btf, struct, bytes, r.optionsFor(map('arena_slot'), btf)) as { note: unknown };
  assert.ok(isCastValue(v.note));
  assert.equal(v.note.cast, CAST_ARENA);
  assert.deepEqual(v.note.target, { address: KERN_START + 0x3000n, bytes: note.toString('hex') });
  // Without a way to find the arena, the pointer is still marked, and says why it was not read.
  const blind = new CastRenderer(prog, kernelBtf(), [a]);
  const b = decodeValue(btf, struct, bytes, blind.optionsFor(map('arena_slot'), btf)) as { note: { cast: string; target: unknown } };
  assert.equal(b.note.cast, CAST_ARENA);
  assert.ok(b.note.target instanceof Unavailable);
});
