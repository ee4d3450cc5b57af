import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BtfError } from './btf-error.js';
import { BtfWriter } from './btf-writer.js';
import { kernelLikeBtf } from './fixture.js';
import { memberBytes, memberPath } from './member-path.js';
import { parseBtf } from './parse.js';

const { bytes, ids } = kernelLikeBtf();
const parsed = parseBtf(bytes);
if (parsed instanceof BtfError) throw parsed;
const btf = parsed;

function found(path: string, typeId = ids.rq) {
  const r = memberPath(btf, typeId, path);
  assert.ok(!(r instanceof BtfError), `${path}: ${r instanceof BtfError ? r.message : ''}`);
  assert.ok(r.found, `${path}: ${r.found ? '' : r.why}`);
  return r;
}

test('a plain member: its bit offset, bit size and declared type', () => {
  assert.deepEqual(found('nr_running'), { found: true, offsetBits: 0, bitSize: 32, bitfield: false, type: ids.int });
  assert.deepEqual(found('clock'), { found: true, offsetBits: 128, bitSize: 64, bitfield: false, type: ids.cvU64 });
  assert.equal(found('cpu').offsetBits, 1376);
});

test('a nested path adds the offsets: scx.nr_running', () => {
  // scx at bit 256, nr_running at bit 128 inside struct scx_rq, through two typedefs.
  assert.deepEqual(found('scx.nr_running'), { found: true, offsetBits: 384, bitSize: 32, bitfield: false, type: ids.u32t });
  assert.equal(found('scx.local.prev').offsetBits, 256 + 64);
});

test('members of anonymous unions and structs are reached by name, offsets summed', () => {
  // rq { union { u64 whole; struct { u32 lo_bits:3, mid_bits:5, hi_bits:24; u32 tail; }; } @64 }
  assert.equal(found('whole').offsetBits, 64);
  assert.equal(found('bits_tail').offsetBits, 64 + 32);
  assert.deepEqual(found('mid_bits'), { found: true, offsetBits: 67, bitSize: 5, bitfield: true, type: ids.u32 });
  assert.deepEqual(found('hi_bits'), { found: true, offsetBits: 72, bitSize: 24, bitfield: true, type: ids.u32 });
});

test('array elements by index, and whole arrays', () => {
  assert.deepEqual(found('cpus'), { found: true, offsetBits: 448, bitSize: 128, bitfield: false, type: ids.cpuArray });
  assert.equal(found('cpus[3]').offsetBits, 448 + 3 * 32);
  assert.equal(found('scxs[1].nr_running').offsetBits, 576 + 192 + 128);
  assert.equal(found('matrix[1][2]').offsetBits, 960 + (3 + 2) * 64);
  assert.deepEqual(found('tail'), { found: true, offsetBits: 1536, bitSize: 0, bitfield: false, type: ids.flexArray }, 'a flexible array has no size');
});

test('lookups through a typedef and a const of the struct work the same', () => {
  assert.equal(found('scx.nr_running', ids.rqT).offsetBits, 384);
});

test('an absent member is absent with a reason, never offset 0', () => {
  assert.deepEqual(memberPath(btf, ids.rq, 'nr_queued'), { found: false, why: 'no member nr_queued in struct rq' });
  assert.deepEqual(memberPath(btf, ids.rq, 'scx.nope'), { found: false, why: 'no member nope in struct scx_rq (struct rq.scx)' });
  const ptr = memberPath(btf, ids.rq, 'curr.pid');
  assert.ok(!(ptr instanceof BtfError) && !ptr.found && /pointer/.test(ptr.why));
  const idx = memberPath(btf, ids.rq, 'cpus[4]');
  assert.ok(!(idx instanceof BtfError) && !idx.found && /beyond/.test(idx.why));
  const huge = memberPath(btf, ids.rq, 'tail[99999999999999999999]');
  assert.ok(!(huge instanceof BtfError) && !huge.found && /too large/.test(huge.why), 'a flexible array takes any index that fits');
  assert.equal(found('tail[7]').offsetBits, 1536 + 7 * 8);
  const notArray = memberPath(btf, ids.rq, 'cpu[0]');
  assert.ok(!(notArray instanceof BtfError) && !notArray.found && /not an array/.test(notArray.why));
  const bitfield = memberPath(btf, ids.rq, 'hi_bits.x');
  assert.ok(!(bitfield instanceof BtfError) && !bitfield.found && /bitfield/.test(bitfield.why));
  for (const bad of ['', '.x', 'a..b', 'a.', '[1]', 'a b', 'a[x]']) {
    const r = memberPath(btf, ids.rq, bad);
    assert.ok(!(r instanceof BtfError) && !r.found && /not a member path/.test(r.why), bad);
  }
  const notStruct = memberPath(btf, ids.int, 'x');
  assert.ok(!(notStruct instanceof BtfError) && !notStruct.found && /not a struct or union/.test(notStruct.why));
});

test('an anonymous member that contains its own struct is a BtfError, not endless recursion', () => {
  const w = new BtfWriter();
  const self = w.nextId;
  w.struct('loop', 8, [{ name: '', type: self, bitsOffset: 0 }]);
  const b = parseBtf(w.build());
  assert.ok(!(b instanceof BtfError));
  const r = memberPath(b, self, 'x');
  assert.ok(r instanceof BtfError && /contains its own struct/.test(r.problem));
});

test('byte offsets for an offsets table, by struct name; a bitfield has none', () => {
  assert.deepEqual(memberBytes(btf, 'rq', 'scx.nr_running'), { found: true, offset: 48, size: 4, type: ids.u32t });
  assert.deepEqual(memberBytes(btf, 'rq', 'cpu'), { found: true, offset: 172, size: 4, type: ids.int });
  const bits = memberBytes(btf, 'rq', 'mid_bits');
  assert.ok(!(bits instanceof BtfError) && !bits.found && /bitfield \(bit 67, 5 bits\)/.test(bits.why));
  assert.deepEqual(memberBytes(btf, 'rq', 'nope'), { found: false, why: 'no member nope in struct rq' });
  assert.deepEqual(memberBytes(btf, 'no_such', 'x'), { found: false, why: "no struct or union named 'no_such' in the BTF" });
});
