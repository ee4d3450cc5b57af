import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Btf } from './btf.js';
import { BtfError } from './btf-error.js';
import { BtfWriter } from './btf-writer.js';
import type { BtfFuncProto } from './kinds.js';
import { kernelLikeBtf } from './fixture.js';
import { parseBtf } from './parse.js';

function parsed(bytes: Uint8Array, base?: Btf): Btf {
  const btf = parseBtf(bytes, base === undefined ? {} : { base });
  if (btf instanceof BtfError) throw btf;
  return btf;
}

const { bytes, ids } = kernelLikeBtf();
const btf = parsed(bytes);

test('every kind decodes with its fields', () => {
  assert.deepEqual(btf.type(0), { id: 0, kind: 'VOID', name: '' });
  assert.deepEqual(btf.type(ids.int), { id: ids.int, kind: 'INT', name: 'int', size: 4, signed: true, char: false, bool: false, bitsOffset: 0, bits: 32 });
  assert.equal((btf.type(ids.char) as { char: boolean }).char, true);
  assert.equal((btf.type(ids.bool) as { bool: boolean }).bool, true);
  assert.deepEqual(btf.type(ids.pTask), { id: ids.pTask, kind: 'PTR', name: '', type: ids.fwdTask });
  assert.deepEqual(btf.type(ids.cpuArray), { id: ids.cpuArray, kind: 'ARRAY', name: '', type: ids.u32t, indexType: ids.idxType, nelems: 4 });
  assert.equal(btf.kind(ids.rq), 'STRUCT');
  assert.equal(btf.kind(ids.anonUnion), 'UNION');
  assert.deepEqual(btf.type(ids.mode), {
    id: ids.mode, kind: 'ENUM', name: 'cpu_mode', size: 4, signed: true,
    values: [{ name: 'CPU_IDLE', value: 0 }, { name: 'CPU_BUSY', value: 1 }, { name: 'CPU_NEG', value: -1 }],
  });
  assert.deepEqual(btf.type(ids.big), {
    id: ids.big, kind: 'ENUM64', name: 'big_flags', size: 8, signed: false,
    values: [{ name: 'BIG_LOW', value: 1n }, { name: 'BIG_HIGH', value: 1n << 40n }],
  });
  assert.deepEqual(btf.type(ids.fwdTask), { id: ids.fwdTask, kind: 'FWD', name: 'task_struct', fwdKind: 'struct' });
  assert.equal((btf.type(ids.fwdUnion) as { fwdKind: string }).fwdKind, 'union');
  assert.deepEqual(btf.type(ids.__u32), { id: ids.__u32, kind: 'TYPEDEF', name: '__u32', type: ids.u32 });
  assert.equal(btf.kind(ids.cvU64), 'CONST');
  assert.equal(btf.kind((btf.type(ids.cvU64) as { type: number }).type), 'VOLATILE');
  assert.equal(btf.kind(ids.restrictPtr), 'RESTRICT');
  assert.deepEqual(btf.type(ids.func), { id: ids.func, kind: 'FUNC', name: 'pick_next', type: ids.proto, linkage: 'static' });
  assert.deepEqual(btf.type(ids.proto), {
    id: ids.proto, kind: 'FUNC_PROTO', name: '', returnType: ids.int,
    params: [{ name: 'rq', type: ids.proto - 1 }, { name: 'cpu', type: ids.int }],
  });
  assert.deepEqual((btf.type(ids.variadic) as BtfFuncProto).params.at(-1), { name: '', type: 0 });
  assert.deepEqual(btf.type(ids.runqueues), { id: ids.runqueues, kind: 'VAR', name: 'runqueues', type: ids.rq, linkage: 'global' });
  assert.deepEqual(btf.type(ids.percpu), {
    id: ids.percpu, kind: 'DATASEC', name: '.data..percpu', size: 320,
    vars: [{ type: ids.runqueues, offset: 0, size: 256 }, { type: ids.counter, offset: 256, size: 4 }],
  });
  assert.deepEqual(btf.type(ids.dbl), { id: ids.dbl, kind: 'FLOAT', name: 'double', size: 8 });
  assert.deepEqual(btf.type(ids.tag), { id: ids.tag, kind: 'DECL_TAG', name: 'bpf_fastcall', type: ids.func, componentIdx: -1 });
  assert.equal((btf.type(ids.memberTag) as { componentIdx: number }).componentIdx, 3);
  assert.deepEqual(btf.type(ids.rcuTag), { id: ids.rcuTag, kind: 'TYPE_TAG', name: 'rcu', type: ids.u64 });
});

test('struct members carry bit offsets, and bitfield widths when kind_flag is set', () => {
  const bits = btf.type(ids.anonBits);
  assert.ok(!(bits instanceof BtfError) && bits.kind === 'STRUCT');
  assert.deepEqual(bits.members.map((m) => [m.name, m.bitsOffset, m.bitfieldSize]), [
    ['lo_bits', 0, 3], ['mid_bits', 3, 5], ['hi_bits', 8, 24], ['bits_tail', 32, 0],
  ]);
});

test('names are indexed: all ids of a name, by kind', () => {
  assert.deepEqual(btf.find('rq'), [ids.rq]);
  assert.deepEqual(btf.find('task_struct', 'FWD'), [ids.fwdTask]);
  assert.deepEqual(btf.find('task_struct', 'STRUCT'), []);
  assert.deepEqual(btf.find('no_such_type'), []);
  const rq = btf.lookup('rq', 'STRUCT');
  assert.ok(rq.found && rq.type.id === ids.rq);
  assert.deepEqual(btf.lookup('rq', 'UNION'), { found: false, why: "no UNION named 'rq' in the BTF" });
});

test('a struct defined twice is found by its complete definition, not its forward declaration', () => {
  const w = new BtfWriter();
  const fwd = w.fwd('thing');
  const full = w.struct('thing', 4, [{ name: 'x', type: w.int('int', 4, { signed: true }), bitsOffset: 0 }]);
  const b = parsed(w.build());
  assert.deepEqual(b.find('thing'), [fwd, full]);
  const hit = b.lookup('thing');
  assert.ok(hit.found && hit.type.id === full);
});

test('resolve follows typedefs, modifiers and type tags to the type with a layout', () => {
  assert.equal((btf.resolve(ids.u32t) as { id: number }).id, ids.u32);
  assert.equal((btf.resolve(ids.cvU64) as { id: number }).id, ids.u64);
  assert.equal((btf.resolve(ids.rqT) as { id: number }).id, ids.rq);
  assert.equal((btf.resolve(ids.rcuTag) as { id: number }).id, ids.u64);
  assert.equal((btf.resolve(ids.pTask) as { kind: string }).kind, 'PTR', 'a pointer is not followed');
});

test('sizeOf goes through typedefs and arrays', () => {
  assert.equal(btf.sizeOf(ids.u32t), 4);
  assert.equal(btf.sizeOf(ids.rqT), 256);
  assert.equal(btf.sizeOf(ids.cpuArray), 16);
  assert.equal(btf.sizeOf(ids.scxArray), 48);
  assert.equal(btf.sizeOf(ids.matrix), 48);
  assert.equal(btf.sizeOf(ids.pTask), 8);
  assert.equal(btf.sizeOf(ids.flexArray), 0);
  assert.equal(btf.sizeOf(ids.runqueues), 256, 'a VAR has its type\'s size');
  const fwd = btf.sizeOf(ids.fwdTask);
  assert.ok(fwd instanceof BtfError && /has no size/.test(fwd.problem));
});

test('a typedef chain that refers to itself is a BtfError, not a hang', () => {
  const w = new BtfWriter();
  const a = w.nextId;
  w.typedef('A', a + 1);
  w.typedef('B', a);
  const int = w.int('int', 4);
  const arr = w.array(w.nextId, int, 2); // an array of itself
  const single = w.array(w.nextId, int, 1); // the same with one element: the size never grows
  const b = parsed(w.build());
  const r = b.resolve(a);
  assert.ok(r instanceof BtfError, 'resolve');
  assert.match(r.problem, /refers back to itself/);
  assert.equal(r.offset, b.recordOffset(a));
  assert.ok(b.sizeOf(a) instanceof BtfError, 'sizeOf through the typedef cycle');
  assert.ok(b.sizeOf(arr) instanceof BtfError, 'sizeOf of a self-containing array');
  assert.ok(b.sizeOf(single) instanceof BtfError, 'sizeOf of a self-containing one-element array');
});

test('an id outside the BTF is a BtfError', () => {
  for (const id of [-1, btf.typeCount, 1.5, 1e12]) {
    assert.ok(btf.type(id) instanceof BtfError, String(id));
    assert.ok(btf.kind(id) instanceof BtfError, String(id));
  }
});

test('split BTF continues the base\'s ids and string offsets, and sees the base\'s types', () => {
  const base = btf;
  const w = new BtfWriter(base);
  const ctx = w.struct('task_ctx', 16, [
    { name: 'rq', type: base.find('rq')[0]!, bitsOffset: 0 },
    { name: 'weight', type: ids.u64, bitsOffset: 64 },
  ]);
  const again = w.struct('rq', 8, [{ name: 'x', type: ids.u64, bitsOffset: 0 }]);
  const split = parsed(w.build(), base);
  assert.equal(split.firstId, base.typeCount);
  assert.equal(ctx, base.typeCount);
  assert.equal(split.typeCount, base.typeCount + 2);
  assert.equal(split.name(ctx), 'task_ctx');
  assert.equal(split.name(ids.rq), 'rq', 'base ids resolve through the split BTF');
  assert.deepEqual(split.find('rq'), [ids.rq, again], 'base first, then the split BTF\'s own');
  assert.deepEqual([...split.ids()], [ctx, again]);
  const t = split.type(ctx);
  assert.ok(!(t instanceof BtfError) && t.kind === 'STRUCT');
  assert.deepEqual(t.members.map((m) => m.name), ['rq', 'weight']);
  assert.equal(split.sizeOf(t.members[0]!.type), 256);
});

test('split BTF that refers past its own last id is rejected', () => {
  const w = new BtfWriter(btf);
  w.ptr(btf.typeCount + 5);
  const r = parseBtf(w.build(), { base: btf });
  assert.ok(r instanceof BtfError);
  assert.match(r.problem, /refers to type/);
});
