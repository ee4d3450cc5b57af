import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Btf } from './btf.js';
import { BtfError } from './btf-error.js';
import { BtfWriter } from './btf-writer.js';
import { kernelLikeBtf } from './fixture.js';
import { parseBtf } from './parse.js';
import { globalVariable, globalVariables, sectionVariables } from './variables.js';

const base = ((): Btf => {
  const b = parseBtf(kernelLikeBtf().bytes);
  if (b instanceof BtfError) throw b;
  return b;
})();

/** A scheduler's BTF on top of the kernel's: its .bss, .data and .rodata as libbpf lays them out. */
function schedulerBtf() {
  const w = new BtfWriter(base);
  const u64 = base.find('long long unsigned int')[0]!;
  const u32 = base.find('unsigned int')[0]!;
  const nrQueued = w.var('nr_queued', u64);
  const nrDispatched = w.var('nr_dispatched', u64);
  const slice = w.var('slice_ns', w.const(u64), 'global');
  const debug = w.var('debug', u32, 'static');
  const ksym = w.func('scx_bpf_dsq_insert', w.funcProto(0, []), 'extern');
  w.datasec('.bss', 16, [
    { type: nrQueued, offset: 0, size: 8 },
    { type: nrDispatched, offset: 8, size: 8 },
  ]);
  w.datasec('.rodata', 12, [
    { type: slice, offset: 0, size: 8 },
    { type: debug, offset: 8, size: 4 },
  ]);
  w.datasec('.data', 4, [{ type: w.var('debug', u32, 'static'), offset: 0, size: 4 }]);
  w.datasec('.ksyms', 0, [{ type: ksym, offset: 0, size: 0 }]);
  const btf = parseBtf(w.build(), { base });
  if (btf instanceof BtfError) throw btf;
  return { btf, u64 };
}

test('a BPF program\'s globals by name: section, offset and size inside the map value', () => {
  const { btf, u64 } = schedulerBtf();
  assert.deepEqual(globalVariable(btf, 'nr_dispatched'), {
    found: true, name: 'nr_dispatched', section: '.bss', offset: 8, size: 8, type: u64, linkage: 'global',
  });
  const slice = globalVariable(btf, 'slice_ns', '.rodata');
  assert.ok(slice.found && slice.offset === 0 && btf.kind(slice.type) === 'CONST');
  assert.deepEqual(sectionVariables(btf, '.bss').map((v) => v.name), ['nr_queued', 'nr_dispatched']);
  assert.deepEqual(globalVariables(btf).map((v) => `${v.section}:${v.name}`), [
    '.bss:nr_queued', '.bss:nr_dispatched', '.rodata:slice_ns', '.rodata:debug', '.data:debug',
  ], 'kfuncs in .ksyms are not variables');
});

test('a missing or ambiguous variable is absent with a reason', () => {
  const { btf } = schedulerBtf();
  assert.deepEqual(globalVariable(btf, 'nr_enqueued'), { found: false, why: 'no global variable nr_enqueued in any DATASEC' });
  assert.deepEqual(globalVariable(btf, 'nr_queued', '.data'), { found: false, why: 'no global variable nr_queued in .data' });
  const both = globalVariable(btf, 'debug');
  assert.ok(!both.found && /several sections \(\.rodata, \.data\)/.test(both.why));
  const data = globalVariable(btf, 'debug', '.data');
  assert.ok(data.found && data.offset === 0 && data.linkage === 'static');
});

test('vmlinux-style per-CPU variables come from .data..percpu', () => {
  const runqueues = globalVariable(base, 'runqueues');
  assert.ok(runqueues.found);
  assert.equal(runqueues.section, '.data..percpu');
  assert.equal(base.name(runqueues.type), 'rq');
  assert.equal(globalVariable(base, 'counter').found, true);
});
