// aarch64 guests under TCG on this host: Debian's arm64 kernel in qemu-system-aarch64's virt
// machine, the agent and busybox built for arm64 (docs/aarch64.md). An EEVDF cell runs, and the
// guest's own sysfs shows the requested topology on three aarch64 presets. Everything here skips,
// with the reason, when qemu-system-aarch64 cannot run or the arm64 kernel cannot be had.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findPreset } from '@ktstr/presets';
import { CellVm, SCX_KTSTR, cgroup, hold, topologyLabel, work, type Topology } from '@ktstr/core';
import { aarch64Env } from './aarch64-env.js';

const { skip, kernel } = await aarch64Env('aarch64 VM tests');

const preset = (name: string): Topology => {
  const p = findPreset(name);
  assert.ok(p && p.arches.includes('aarch64'), `${name} is an aarch64 preset`);
  return p.topology;
};

test('an EEVDF cell runs in an arm64 guest on tiny-2llc', { skip, timeout: 600_000 }, async () => {
  const vm = await CellVm.boot({ name: 'aarch64/eevdf/tiny-2llc', kernel: kernel!, topology: preset('tiny-2llc'), durationMs: 2000 });
  try {
    assert.match(vm.hello.kernel, /arm64/, 'the guest runs the arm64 kernel');
    assert.match(vm.accel, /^tcg/);
    const r = await vm.run([
      cgroup('spin', { workers: 2, work: work.spinWait() }),
      cgroup('pipe', { workers: 2, work: work.pipeIo({ burstUs: 200 }) }),
    ], hold.fraction(1));
    r.expect.noStall();
    assert.equal(r.workers.length, 4);
    for (const w of r.workers) assert.ok(w.iterations > 0, `worker ${w.cgroup}/${w.index} made progress`);
    process.stderr.write(`aarch64 EEVDF cell: boot ${vm.bootMs.toFixed(0)} ms (${vm.bootedHow}), ${r.metrics.totalIterations} iterations\n`);
  } finally {
    await vm.destroy();
  }
});

// The fixture scheduler cross-built for arm64 (native/scripts/build-scheduler-aarch64.sh, a few
// minutes the first time): it attaches in the arm64 guest and schedules a scenario without a stall.
test('the scx-ktstr fixture, built for arm64, attaches and runs a cell on tiny-2llc', { skip, timeout: 900_000 }, async () => {
  const topology = preset('tiny-2llc');
  const probe = await CellVm.boot({ name: 'aarch64/scx-ktstr/attached', kernel: kernel!, topology, scheduler: SCX_KTSTR, durationMs: 1000 });
  const seen = await probe.runCommand({ exec: 'uname -m; cat /sys/kernel/sched_ext/state /sys/kernel/sched_ext/root/ops' });
  assert.equal(seen.status, 0, seen.stderr);
  await probe.destroy();
  assert.deepEqual(seen.stdout.trim().split('\n'), ['aarch64', 'enabled', 'ktstr']);
  const vm = await CellVm.boot({ name: 'aarch64/scx-ktstr/tiny-2llc', kernel: kernel!, topology, scheduler: SCX_KTSTR, durationMs: 2000 });
  try {
    const r = await vm.run([
      cgroup('spin', { workers: 2, work: work.spinWait() }),
      cgroup('pipe', { workers: 2, work: work.pipeIo({ burstUs: 200 }) }),
    ], hold.fraction(1));
    assert.equal(r.schedulerExit, null, 'the scheduler stayed attached');
    r.expect.noStall();
    for (const w of r.workers) assert.ok(w.iterations > 0, `worker ${w.cgroup}/${w.index} made progress`);
    process.stderr.write(`aarch64 scx-ktstr cell: boot ${vm.bootMs.toFixed(0)} ms (${vm.bootedHow}), ${r.metrics.totalIterations} iterations\n`);
  } finally {
    await vm.destroy();
  }
});

// tiny-2llc: one socket of two clusters; odd-3llc: an odd cluster count (9 CPUs); numa2-4llc:
// two sockets, each its own NUMA node with two clusters (16 CPUs).
for (const name of ['tiny-2llc', 'odd-3llc', 'numa2-4llc']) {
  test(`the arm64 guest sees ${name} as requested: clusters as LLCs, sockets as NUMA nodes`, { skip, timeout: 600_000 }, async () => {
    const topology = preset(name);
    // CellVm.boot itself refuses a guest whose CPUs, nodes, LLCs (clusters) or SMT siblings differ.
    const vm = await CellVm.boot({ name: `aarch64/topology/${name}`, kernel: kernel!, topology, durationMs: 1000 });
    try {
      const cpus = vm.hello.cpus;
      const perNode = cpus.length / topology.numaNodes;
      for (const c of cpus) {
        // One socket per node, numbered as the nodes are.
        assert.equal(c.package, Math.floor(c.cpu / perNode), `cpu${c.cpu}'s package`);
        assert.equal(c.node, topology.numaNodes > 1 ? c.package : c.node, `cpu${c.cpu}'s node is its socket`);
      }
      // Read the raw sysfs the kernel exposes, for the record and for cluster_id itself.
      const r = await vm.runCommand({
        exec: 'for c in /sys/devices/system/cpu/cpu[0-9]*; do echo "$(basename $c) $(cat $c/topology/cluster_id) $(cat $c/topology/core_id) $(cat $c/topology/cluster_cpus_list)"; done; '
          + 'for n in /sys/devices/system/node/node[0-9]*; do echo "$(basename $n) $(cat $n/distance)"; done',
      });
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      // SLIT distances reach the guest through the device tree's distance-map: 10 local, 20 remote.
      const distances = lines.filter((l) => l.startsWith('node')).map((l) => l.split(' ').slice(1).map(Number));
      assert.deepEqual(distances, Array.from({ length: topology.numaNodes }, (_, a) => Array.from({ length: topology.numaNodes }, (_, b) => (a === b ? 10 : 20))));
      const rows = lines.filter((l) => l.startsWith('cpu')).map((l) => l.split(' '));
      assert.equal(rows.length, cpus.length);
      const clustersPerNode = topology.llcs / topology.numaNodes;
      for (const [cpuName, clusterId, coreId] of rows) {
        const cpu = Number(cpuName!.slice(3));
        const inNode = cpu % perNode;
        // QEMU numbers clusters within a socket and cores within a cluster.
        assert.equal(Number(clusterId), Math.floor(inNode / topology.coresPerLlc) % clustersPerNode, `${cpuName} cluster_id`);
        assert.equal(Number(coreId), inNode % topology.coresPerLlc, `${cpuName} core_id`);
      }
      process.stderr.write(`aarch64 ${name} (${topologyLabel(topology)}): boot ${vm.bootMs.toFixed(0)} ms (${vm.bootedHow})\n`);
    } finally {
      await vm.destroy();
    }
  });
}

// Guest RAM lives in shared files on aarch64 too, so the post-boot snapshot (migration with
// x-ignore-shared, docs/snapshots.md) works the same: a second cell of a shape restores it.
test('a second arm64 cell of the same shape restores the post-boot snapshot and runs', {
  skip: skip || (process.env.KTSTR_COLD_BOOT === '1' ? 'KTSTR_COLD_BOOT=1 turns snapshots off' : false), timeout: 600_000,
}, async () => {
  const topology = preset('tiny-1llc');
  const first = await CellVm.boot({ name: 'aarch64/snapshot/first', kernel: kernel!, topology, durationMs: 1000 });
  await first.destroy();
  const second = await CellVm.boot({ name: 'aarch64/snapshot/second', kernel: kernel!, topology, durationMs: 1000 });
  try {
    assert.equal(second.bootedHow, 'restored');
    const r = await second.runCommand({ exec: 'uname -m; cat /proc/uptime' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^aarch64\n/);
    process.stderr.write(`aarch64 snapshot: first ${first.bootMs.toFixed(0)} ms (${first.bootedHow}), restored in ${second.bootMs.toFixed(0)} ms\n`);
  } finally {
    await second.destroy();
  }
});
