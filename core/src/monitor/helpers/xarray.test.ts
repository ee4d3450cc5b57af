import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMem } from '../guest-mem.js';
import { Unavailable } from '../unavailable.js';
import { idrFind, type KernelMemory, xaEntries, xaLoad } from './xarray.js';

/** Memory where virtual = physical, with an xarray at XA and room for nodes. */
function arena() {
  const base = 0x100000n;
  const bytes = Buffer.alloc(0x10000);
  const mem: KernelMemory = GuestMem.fromBuffers([{ start: base, bytes }]);
  const XA = base; // struct xarray: lock, flags, xa_head @8; an IDR's idr_base @16
  let next = 1n;
  const node = (shift: number) => {
    const at = base + 0x400n * next++;
    bytes[Number(at - base)] = shift;
    return at;
  };
  const put = (at: bigint, value: bigint) => bytes.writeBigUInt64LE(value, Number(at - base));
  const slot = (n: bigint, i: number, entry: bigint) => put(n + 40n + BigInt(i) * 8n, entry);
  const nodeEntry = (n: bigint) => n | 2n;
  return { mem, XA, node, put, slot, nodeEntry, bytes, base };
}

const PTR_A = 0xffff888012345000n;
const PTR_B = 0xffff888012346000n;

test('a single entry lives in xa_head at index 0', () => {
  const a = arena();
  a.put(a.XA + 8n, PTR_A);
  assert.deepEqual(xaLoad(a.mem, a.XA, 0n), { pointer: PTR_A });
  assert.equal(xaLoad(a.mem, a.XA, 1n), undefined);
  assert.deepEqual(xaEntries(a.mem, a.XA), [{ index: 0n, entry: { pointer: PTR_A } }]);
  a.put(a.XA + 8n, 0n);
  assert.deepEqual(xaEntries(a.mem, a.XA), []);
});

test('two levels: pointers, value entries and a multi-index entry through its siblings', () => {
  const a = arena();
  const top = a.node(6);
  const leaf0 = a.node(0);
  const leaf2 = a.node(0);
  const leaf63 = a.node(0);
  a.put(a.XA + 8n, a.nodeEntry(top));
  a.slot(top, 0, a.nodeEntry(leaf0));
  a.slot(top, 2, a.nodeEntry(leaf2));
  a.slot(top, 63, a.nodeEntry(leaf63));
  a.slot(leaf0, 3, PTR_A);
  a.slot(leaf2, 0, (5n << 1n) | 1n); // index 128: xa_mk_value(5), spanning 128..131
  for (const i of [1, 2, 3]) a.slot(leaf2, i, (0n << 2n) | 2n); // xa_mk_sibling(0)
  a.slot(leaf63, 63, PTR_B); // index 4095, the top node's last
  assert.deepEqual(xaLoad(a.mem, a.XA, 3n), { pointer: PTR_A });
  assert.deepEqual(xaLoad(a.mem, a.XA, 130n), { value: 5n }, 'a sibling slot reads its canonical entry');
  assert.deepEqual(xaLoad(a.mem, a.XA, 4095n), { pointer: PTR_B });
  assert.equal(xaLoad(a.mem, a.XA, 4n), undefined);
  assert.equal(xaLoad(a.mem, a.XA, 4096n), undefined, 'beyond what the tree can hold');
  assert.deepEqual(xaEntries(a.mem, a.XA), [
    { index: 3n, entry: { pointer: PTR_A } },
    { index: 128n, entry: { value: 5n } },
    { index: 4095n, entry: { pointer: PTR_B } },
  ]);
});

test('a node that points back at itself ends the walk with Unavailable', () => {
  const a = arena();
  const top = a.node(6);
  a.put(a.XA + 8n, a.nodeEntry(top));
  a.slot(top, 0, a.nodeEntry(top));
  assert.match((xaLoad(a.mem, a.XA, 5n) as Unavailable).unavailable, /shift 6 under a node of shift 6 \(freed or looping\)/);
  assert.match((xaEntries(a.mem, a.XA) as Unavailable).unavailable, /shift 6, expected 0/);
});

test('nodes outside memory and entries being modified are Unavailable', () => {
  const a = arena();
  a.put(a.XA + 8n, 0x7f0000000000n | 2n);
  assert.ok(xaLoad(a.mem, a.XA, 0n) instanceof Unavailable);
  assert.ok(xaEntries(a.mem, a.XA) instanceof Unavailable);
  assert.ok(xaLoad(a.mem, 0x10n, 0n) instanceof Unavailable, 'the xarray itself outside memory');
  a.put(a.XA + 8n, (256n << 2n) | 2n);
  assert.match((xaLoad(a.mem, a.XA, 0n) as Unavailable).unavailable, /retry entry/);
});

test('idr_find subtracts idr_base', () => {
  const a = arena();
  const top = a.node(0);
  a.put(a.XA + 8n, a.nodeEntry(top));
  a.slot(top, 0, PTR_A);
  a.slot(top, 1, PTR_B);
  a.bytes.writeUInt32LE(1, 16); // idr_base = 1 (an IDR made with IDR_INIT_BASE(name, 1))
  assert.deepEqual(idrFind(a.mem, a.XA, 2n, { idrBaseOffset: 16n }), { pointer: PTR_B });
  assert.equal(idrFind(a.mem, a.XA, 0n, { idrBaseOffset: 16n }), undefined);
});
