import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topologyLayout, totalCpus, validateTopology } from './topology.js';
import { compareTopology, observeTopology, type GuestCpu } from './guest-check.js';
import { formatCpulist, parseCpulist } from './cpulist.js';
import { parseTopologyArg } from './topology-arg.js';

test('counts multiply and the layout follows QEMU numbering (threads fastest)', () => {
  const t = validateTopology({ numaNodes: 2, llcs: 4, coresPerLlc: 2, threadsPerCore: 2 });
  assert.equal(totalCpus(t), 16);
  const l = topologyLayout(t);
  assert.deepEqual(l.llcCpus[1], [4, 5, 6, 7]);
  assert.deepEqual(l.nodeCpus[1], [8, 9, 10, 11, 12, 13, 14, 15]);
  assert.deepEqual(l.coreCpus[3], [6, 7]);
});

test('invalid topologies name the field and the remedy', () => {
  assert.throws(() => validateTopology({ numaNodes: 2, llcs: 3, coresPerLlc: 1 }), /topology\.llcs: does not divide evenly over 2 NUMA nodes/);
  assert.throws(() => validateTopology({ llcs: 0, coresPerLlc: 1 }), /topology\.llcs: must be a whole number >= 1/);
  assert.throws(() => validateTopology({ llcs: 1, coresPerLlc: 1.5 }), /topology\.coresPerLlc/);
  assert.throws(() => validateTopology({ llcs: 1, cores: 2 }), /topology\.cores: is not a topology field/);
  assert.throws(() => validateTopology({ llcs: 1 }), /topology\.coresPerLlc: is missing/);
  assert.throws(() => validateTopology({ llcs: 64, coresPerLlc: 8 }), /more than 256/);
  assert.throws(() => validateTopology({ llcs: 1, coresPerLlc: 1, threadsPerCore: 8 }), /threadsPerCore/);
});

test('cpulists round-trip', () => {
  assert.deepEqual(parseCpulist('0-3,8,10-11'), [0, 1, 2, 3, 8, 10, 11]);
  assert.equal(formatCpulist([11, 10, 8, 3, 2, 1, 0]), '0-3,8,10-11');
  assert.throws(() => parseCpulist('3-1'), /descending/);
});

test('topology arguments accept the short form, the tuple form and presets', () => {
  assert.deepEqual(parseTopologyArg('2n4l2c2t'), { numaNodes: 2, llcs: 4, coresPerLlc: 2, threadsPerCore: 2 });
  assert.deepEqual(parseTopologyArg('1,2,2,1'), { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 });
  assert.deepEqual(parseTopologyArg('smt-2llc'), { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 2 });
  assert.throws(() => parseTopologyArg('huge'), /--topology: is not a topology/);
});

function guestCpus(llcs: string[], siblings: (cpu: number) => string, node: (cpu: number) => number): GuestCpu[] {
  return llcs.flatMap((llc) => parseCpulist(llc).map((cpu) => ({ cpu, node: node(cpu), package: 0, die: 0, core: 0, llc, siblings: siblings(cpu) })));
}

test('a guest that matches the request has no differences', () => {
  const want = validateTopology({ numaNodes: 2, llcs: 2, coresPerLlc: 1, threadsPerCore: 2 });
  const seen = observeTopology(guestCpus(['0-1', '2-3'], (c) => (c < 2 ? '0-1' : '2-3'), (c) => (c < 2 ? 0 : 1)));
  assert.deepEqual(compareTopology(want, seen), []);
});

test('a guest whose L3 spans the socket (AMD-style) is reported as an LLC mismatch', () => {
  const want = validateTopology({ numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 });
  const seen = observeTopology(guestCpus(['0-3'], (c) => String(c), () => 0));
  const diffs = compareTopology(want, seen);
  assert.equal(diffs.length, 1);
  assert.match(diffs[0]!, /^LLCs: want 2 \[0-1 \| 2-3\], guest has 1 \[0-3\]/);
});

test('every preset is a valid topology', async () => {
  const { PRESETS } = await import('@ktstr/presets');
  for (const p of PRESETS) assert.doesNotThrow(() => validateTopology(p.topology, p.name), p.name);
});
