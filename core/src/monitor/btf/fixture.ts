/**
 * A small kernel-shaped BTF with every kind, for the tests: a `struct rq` with a nested
 * `struct scx_rq scx`, an anonymous union holding an anonymous struct, bitfields, typedef and
 * modifier chains, an array of structs, enums, a function, a forward declaration, type and decl
 * tags, and a .data..percpu DATASEC. `ids` names each type so assertions read by name.
 */
import { BtfWriter } from './btf-writer.js';

export function kernelLikeBtf() {
  const w = new BtfWriter();
  const u32 = w.int('unsigned int', 4);
  const int = w.int('int', 4, { signed: true });
  const u64 = w.int('long long unsigned int', 8);
  const char = w.int('char', 1, { signed: true, char: true });
  const bool = w.int('_Bool', 1, { bool: true, bits: 8 });
  const u128 = w.int('__int128 unsigned', 16);
  const __u32 = w.typedef('__u32', u32);
  const u32t = w.typedef('u32', __u32); // typedef of a typedef
  const cvU64 = w.const(w.volatile(u64)); // const volatile u64
  const restrictPtr = w.restrict(w.ptr(char));
  const rcuTag = w.typeTag('rcu', u64);
  const dbl = w.float('double', 8);
  const mode = w.enum('cpu_mode', 4, [['CPU_IDLE', 0], ['CPU_BUSY', 1], ['CPU_NEG', -1]], true);
  const big = w.enum64('big_flags', 8, [['BIG_LOW', 1n], ['BIG_HIGH', 1n << 40n]]);
  const fwdTask = w.fwd('task_struct');
  const fwdUnion = w.fwd('some_union', true);
  const pTask = w.ptr(fwdTask);
  // struct list_head { struct list_head *next, *prev; } — a pointer to itself is no cycle.
  const listHead = w.nextId;
  const pList = w.ptr(listHead + 1);
  w.struct('list_head', 16, [
    { name: 'next', type: pList, bitsOffset: 0 },
    { name: 'prev', type: pList, bitsOffset: 64 },
  ]);
  const listHeadId = listHead + 1;
  const scxRq = w.struct('scx_rq', 24, [
    { name: 'local', type: listHeadId, bitsOffset: 0 },
    { name: 'nr_running', type: u32t, bitsOffset: 128 },
    { name: 'flags', type: u32, bitsOffset: 160 },
  ]);
  // struct { u32 a:3, b:5; u32 c:24; } inside an anonymous union with a u64.
  const anonBits = w.struct('', 8, [
    { name: 'lo_bits', type: u32, bitsOffset: 0, bitfieldSize: 3 },
    { name: 'mid_bits', type: u32, bitsOffset: 3, bitfieldSize: 5 },
    { name: 'hi_bits', type: u32, bitsOffset: 8, bitfieldSize: 24 },
    { name: 'bits_tail', type: u32, bitsOffset: 32 },
  ]);
  const anonUnion = w.union('', 8, [
    { name: 'whole', type: u64, bitsOffset: 0 },
    { name: '', type: anonBits, bitsOffset: 0 },
  ]);
  const idxType = w.int('__ARRAY_SIZE_TYPE__', 4);
  const cpuArray = w.array(u32t, idxType, 4);
  const scxArray = w.array(scxRq, idxType, 2);
  const flexArray = w.array(char, idxType, 0);
  const matrix = w.array(w.array(u64, idxType, 3), idxType, 2); // u64 [2][3]
  const rq = w.struct('rq', 256, [
    { name: 'nr_running', type: int, bitsOffset: 0 },
    { name: '', type: anonUnion, bitsOffset: 64 },
    { name: 'clock', type: cvU64, bitsOffset: 128 },
    { name: 'curr', type: pTask, bitsOffset: 192 },
    { name: 'scx', type: scxRq, bitsOffset: 256 },
    { name: 'cpus', type: cpuArray, bitsOffset: 448 },
    { name: 'scxs', type: scxArray, bitsOffset: 576 },
    { name: 'matrix', type: matrix, bitsOffset: 960 },
    { name: 'mode', type: mode, bitsOffset: 1344 },
    { name: 'cpu', type: int, bitsOffset: 1376 },
    { name: 'wide', type: u128, bitsOffset: 1408 },
    { name: 'tail', type: flexArray, bitsOffset: 1536 },
  ]);
  const rqT = w.typedef('rq_t', w.const(rq));
  const proto = w.funcProto(int, [['rq', w.ptr(rq)], ['cpu', int]]);
  const func = w.func('pick_next', proto, 'static');
  const variadic = w.funcProto(0, [['fmt', restrictPtr], ['', 0]]);
  const tag = w.declTag('bpf_fastcall', func, -1);
  const memberTag = w.declTag('user', rq, 3);
  const runqueues = w.var('runqueues', rq, 'global');
  const counter = w.var('counter', u32, 'static');
  const percpu = w.datasec('.data..percpu', 320, [
    { type: runqueues, offset: 0, size: 256 },
    { type: counter, offset: 256, size: 4 },
  ]);
  return {
    bytes: w.build(),
    ids: {
      u32, int, u64, char, bool, u128, __u32, u32t, cvU64, restrictPtr, rcuTag, dbl, mode, big, fwdTask, fwdUnion, pTask,
      listHeadId, pList, scxRq, anonBits, anonUnion, idxType, cpuArray, scxArray, flexArray, matrix, rq, rqT, proto, func,
      variadic, tag, memberTag, runqueues, counter, percpu,
    },
  };
}
