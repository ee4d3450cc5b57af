import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectedAccess0, hmatEntries } from './hmat.js';
import { compareHmat, compareTopology, type GuestCpu, type GuestNode, observeTopology } from './guest-check.js';

test('the HMAT rule: latency proportional to distance, bandwidth inversely proportional', () => {
  assert.deepEqual(hmatEntries(2), [
    { initiator: 0, target: 0, latencyNs: 100, bandwidthMiBps: 10240 },
    { initiator: 0, target: 1, latencyNs: 200, bandwidthMiBps: 5120 },
    { initiator: 1, target: 0, latencyNs: 200, bandwidthMiBps: 5120 },
    { initiator: 1, target: 1, latencyNs: 100, bandwidthMiBps: 10240 },
  ]);
  assert.equal(hmatEntries(2, 30)[1]!.bandwidthMiBps, 3413);
});

test('each node\'s own CPUs are the best initiators of its memory, with the local values', () => {
  assert.deepEqual(expectedAccess0(4).map((a) => [a.node, a.initiators, a.readLatencyNs, a.writeBandwidthMiBps]),
    [[0, [0], 100, 10240], [1, [1], 100, 10240], [2, [2], 100, 10240], [3, [3], 100, 10240]]);
});

const cpus = (nodes: number[]): GuestCpu[] => nodes.map((node, cpu) => ({ cpu, node, package: node, die: node, core: 0, llc: String(cpu), siblings: String(cpu) }));
const access = (node: number, initiators: number[], latency = 100, bandwidth = 10240): GuestNode => ({
  node, access0: { initiators, read_latency: latency, write_latency: latency, read_bandwidth: bandwidth, write_bandwidth: bandwidth },
});
const want = { numaNodes: 2, llcs: 2, coresPerLlc: 1, threadsPerCore: 1 };

test('a 2-node guest with the derived HMAT matches; values, initiators or a missing table do not', () => {
  assert.deepEqual(compareTopology(want, observeTopology(cpus([0, 1]), [access(1, [1]), access(0, [0])])), []);
  assert.deepEqual(compareTopology(want, observeTopology(cpus([0, 1]), [access(0, [0]), access(1, [1], 200)])),
    ['node 1 access0: want initiators 1, latency 100/100 ns, bandwidth 10240/10240 MB/s (read/write), '
      + 'guest has initiators 1, latency 200/200 ns, bandwidth 10240/10240 MB/s (read/write)']);
  assert.match(compareTopology(want, observeTopology(cpus([0, 1]), [access(0, [0, 1]), access(1, [1])]))[0]!, /node 0 access0: .*guest has initiators 0-1/);
  const none = compareTopology(want, observeTopology(cpus([0, 1]), [{ node: 0, access0: null }, { node: 1, access0: null }]));
  assert.equal(none.length, 2);
  assert.match(none[0]!, /guest has no access0 \(no HMAT\)/);
  // An agent that sent no node report at all fails a multi-node cell when the caller asks.
  assert.equal(compareTopology(want, observeTopology(cpus([0, 1]), [])).length, 2);
});

test('one node has no HMAT to check, and without a node report HMAT is not compared', () => {
  const one = { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 };
  const seen = observeTopology([0, 1].map((cpu) => ({ cpu, node: 0, package: 0, die: 0, core: cpu, llc: '0-1', siblings: String(cpu) })), [{ node: 0, access0: null }]);
  assert.deepEqual(compareTopology(one, seen), []);
  // A one-node guest that does show an HMAT did not get what the cell asked for either.
  const stray = { node: 0, initiators: [0], readLatencyNs: 100, writeLatencyNs: 100, readBandwidthMiBps: 10240, writeBandwidthMiBps: 10240 };
  assert.match(compareHmat(one, [stray])[0]!, /node 0 access0: want no access0 \(no HMAT\), guest has initiators 0/);
  assert.deepEqual(compareTopology(want, observeTopology(cpus([0, 1]))), []);
});
