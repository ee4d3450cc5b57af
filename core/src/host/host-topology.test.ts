import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHostTopology } from './host-topology.js';
import { hostSkipReason } from './capability.js';

function fakeSys(withCaches: boolean): string {
  const root = mkdtempSync(join(tmpdir(), 'ktstr-sys-'));
  const put = (p: string, s: string) => {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), `${s}\n`);
  };
  put('devices/system/cpu/online', '0-7');
  put('devices/system/node/node0/cpulist', '0-3');
  put('devices/system/node/node1/cpulist', '4-7');
  for (let c = 0; c < 8; c++) {
    put(`devices/system/cpu/cpu${c}/topology/thread_siblings_list`, `${c - (c % 2)}-${c - (c % 2) + 1}`);
    put(`devices/system/cpu/cpu${c}/topology/physical_package_id`, `${c < 4 ? 0 : 1}`);
    if (withCaches) {
      put(`devices/system/cpu/cpu${c}/cache/index0/level`, '1');
      put(`devices/system/cpu/cpu${c}/cache/index0/type`, 'Data');
      put(`devices/system/cpu/cpu${c}/cache/index0/shared_cpu_list`, `${c}`);
      put(`devices/system/cpu/cpu${c}/cache/index3/level`, '3');
      put(`devices/system/cpu/cpu${c}/cache/index3/type`, 'Unified');
      put(`devices/system/cpu/cpu${c}/cache/index3/shared_cpu_list`, c < 2 ? '0-1' : c < 4 ? '2-3' : '4-7');
    }
  }
  return root;
}

test('reads nodes, L3 groups, SMT and the affinity mask from sysfs', () => {
  const root = fakeSys(true);
  try {
    const h = readHostTopology(root, [1, 2, 3, 4]);
    assert.deepEqual(h.allowedCpus, [1, 2, 3, 4]);
    assert.deepEqual(h.llcs.map((l) => [l.cpus, l.node]), [[[0, 1], 0], [[2, 3], 0], [[4, 5, 6, 7], 1]]);
    assert.equal(h.llcSource, 'cache/index3');
    assert.equal(h.threadsPerCore, 2);
    assert.equal(h.numaNodes.length, 2);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('without cache directories each package is one LLC, and says so', () => {
  const root = fakeSys(false);
  try {
    const h = readHostTopology(root);
    assert.equal(h.llcSource, 'physical package');
    assert.deepEqual(h.llcs.map((l) => l.cpus), [[0, 1, 2, 3], [4, 5, 6, 7]]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('host capability: KVM needs the shape unless noPerfMode; TCG bounds the vCPU count', () => {
  const root = fakeSys(true);
  try {
    const h = readHostTopology(root);
    const t = (numaNodes: number, llcs: number, cores: number) => ({ numaNodes, llcs, coresPerLlc: cores, threadsPerCore: 1 });
    assert.equal(hostSkipReason(t(1, 2, 2), h, { accel: 'kvm', noPerfMode: false }), undefined);
    assert.match(hostSkipReason(t(1, 4, 2), h, { accel: 'kvm', noPerfMode: false })!, /4 LLCs but the host has 3/);
    assert.equal(hostSkipReason(t(1, 4, 2), h, { accel: 'kvm', noPerfMode: true }), undefined);
    assert.match(hostSkipReason(t(1, 4, 4), h, { accel: 'kvm', noPerfMode: true })!, /16 vCPUs but the host offers 8/);
    assert.match(hostSkipReason(t(4, 4, 4), h, { accel: 'kvm', noPerfMode: false })!, /16 vCPUs/);
    assert.equal(hostSkipReason(t(2, 4, 4), h, { accel: 'tcg', noPerfMode: false }, {}), undefined);
    assert.match(hostSkipReason(t(2, 4, 8), h, { accel: 'tcg', noPerfMode: false }, {})!, /32 vCPUs under TCG .* more than 16/);
    assert.equal(hostSkipReason(t(2, 4, 8), h, { accel: 'tcg', noPerfMode: false }, { KTSTR_TCG_MAX_VCPUS: '32' }), undefined);
    assert.equal(hostSkipReason(t(2, 4, 8), h, { accel: 'tcg', noPerfMode: true }, {}), undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
