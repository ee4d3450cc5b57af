// Multi-node cells describe memory latency and bandwidth per initiator/target pair in ACPI HMAT,
// derived from their SLIT distances (core/src/topology/hmat.ts). Checked from inside the guest on
// every multi-node preset that runs here (TCG: at most 16 vCPUs), plus a small 4-node shape so
// more than two nodes are covered: the agent's report (which CellVm.boot already compares), and
// sysfs read by a shell in the same guest, against the rule applied to the guest's own distances.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellVm, compareHmat, expectedAccess0, observeTopology, presetsPassing, type Topology } from '@ktstr/core';
import { skipReason, testKernel } from './cell-env.js';

/** Under TCG a bigger guest spends its whole time booting. */
const MAX_TCG_CPUS = 16;

const shapes: { name: string; topology: Topology }[] = [
  ...presetsPassing({ minNumaNodes: 2, maxCpus: MAX_TCG_CPUS }),
  { name: '4n4l1c1t', topology: { numaNodes: 4, llcs: 4, coresPerLlc: 1, threadsPerCore: 1 } },
];

// One line per node: "<node> <distances> | <initiator names> | <read_latency> <write_latency> <read_bandwidth> <write_bandwidth>".
const READ_SYSFS = [
  'for d in /sys/devices/system/node/node[0-9]*; do n=${d##*node}; a=$d/access0/initiators',
  'echo "$n $(cat $d/distance) | $(cd $a && echo node[0-9]*) | $(cat $a/read_latency $a/write_latency $a/read_bandwidth $a/write_bandwidth | tr \'\\n\' \' \')"',
  'done',
].join('; ');

test('the multi-node shapes that run here include a preset', () => {
  assert.ok(shapes.some((s) => s.name === 'numa2-4llc'), shapes.map((s) => s.name).join(', '));
});

for (const { name, topology } of shapes) {
  test(`${name}: every node's access0 names its own CPUs with latency and bandwidth from the distances`, { skip: skipReason, timeout: 420_000 }, async (t) => {
    const vm = await CellVm.boot({ name: `hmat/${name}`, kernel: await testKernel(), topology, durationMs: 1000 });
    let out: Awaited<ReturnType<CellVm['runCommand']>>;
    try {
      // What the agent reported at hello (CellVm.boot refuses a mismatch; this says which).
      assert.ok(vm.hello.nodes, 'the agent reports NUMA nodes');
      assert.deepEqual(compareHmat(topology, observeTopology(vm.hello.cpus, vm.hello.nodes).access0!), []);
      out = await vm.runCommand({ exec: READ_SYSFS });
    } finally {
      await vm.destroy();
    }
    assert.equal(out.status, 0, out.stderr);
    t.diagnostic(`guest sysfs (node distances | access0 initiators | latency r/w, bandwidth r/w):\n${out.stdout.trim()}`);
    const rows = out.stdout.trim().split('\n').map((line) => {
      const [head, initiators, values] = line.split(' | ');
      const [node, ...distances] = head!.trim().split(/\s+/).map(Number);
      return { node: node!, distances, initiators: initiators!.trim().split(/\s+/), values: values!.trim().split(/\s+/).map(Number) };
    }).sort((a, b) => a.node - b.node);
    assert.equal(rows.length, topology.numaNodes, out.stdout);
    const want = expectedAccess0(topology.numaNodes);
    for (const row of rows) {
      // The rule, applied to the distances this guest's kernel has (SLIT): 10 ns per unit of
      // distance, 10 GiB/s scaled by 10/distance; the nearest initiator is the node itself.
      const local = row.distances[row.node]!;
      assert.equal(local, 10, `node ${row.node} distances ${row.distances.join(' ')}`);
      assert.deepEqual(row.initiators, [`node${row.node}`], `node ${row.node}`);
      assert.deepEqual(row.values, [10 * local, 10 * local, (10240 * 10) / local, (10240 * 10) / local], `node ${row.node}`);
      const w = want[row.node]!;
      assert.deepEqual(row.values, [w.readLatencyNs, w.writeLatencyNs, w.readBandwidthMiBps, w.writeBandwidthMiBps]);
      assert.ok(row.distances.every((d, i) => (i === row.node ? d === 10 : d === 20)), `node ${row.node} distances ${row.distances.join(' ')}`);
    }
  });
}
