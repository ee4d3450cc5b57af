import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostTopology } from '../host/host-topology.js';
import { reserveCpus } from './cpu-reservation.js';
import { listLocks } from './list.js';

const host: HostTopology = {
  onlineCpus: [0, 1, 2, 3], allowedCpus: [0, 1, 2, 3], numaNodes: [{ id: 0, cpus: [0, 1, 2, 3] }],
  llcs: [{ id: 0, cpus: [0, 1], node: 0 }, { id: 1, cpus: [2, 3], node: 0 }], llcSource: 'cache/index3', threadsPerCore: 1,
};

test('concurrent reservations get disjoint CPUs, and wait when none are left', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-locks-'));
  try {
    const a = await reserveCpus(host, 2, { purpose: 'a', locksDir: dir });
    const b = await reserveCpus(host, 2, { purpose: 'b', locksDir: dir });
    assert.deepEqual([a.plan.cpus, b.plan.cpus], [[0, 1], [2, 3]]);
    const held = listLocks(dir).filter((l) => l.held).map((l) => [l.path.slice(dir.length), l.state]);
    assert.deepEqual(held, [['/cpu/cpu-0.lock', 'exclusive'], ['/cpu/cpu-1.lock', 'exclusive'], ['/cpu/cpu-2.lock', 'exclusive'],
      ['/cpu/cpu-3.lock', 'exclusive'], ['/llc/llc-0.lock', 'exclusive'], ['/llc/llc-1.lock', 'exclusive']]);
    const waits: string[] = [];
    await assert.rejects(reserveCpus(host, 1, { purpose: 'c', locksDir: dir, timeoutMs: 600, onWait: (m) => waits.push(m) }), /could not reserve 1 CPU/);
    assert.match(waits[0]!, /waiting for 1 free CPU\(s\); held by pid \d+/);
    a.release();
    const c = await reserveCpus(host, 1, { purpose: 'c', locksDir: dir, timeoutMs: 2000 });
    assert.deepEqual(c.plan.cpus, [0]);
    // Part of an LLC: its LLC lock is shared.
    assert.equal(listLocks(dir).find((l) => l.path.endsWith('llc-0.lock'))!.state, 'shared');
    b.release();
    c.release();
    assert.ok(listLocks(dir).every((l) => !l.held));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a SIGKILLed holder frees its CPUs at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-locks-'));
  try {
    const script = `
      import { reserveCpus } from ${JSON.stringify(new URL('./cpu-reservation.ts', import.meta.url).href)};
      const host = ${JSON.stringify(host)};
      await reserveCpus(host, 4, { purpose: 'victim', locksDir: ${JSON.stringify(dir)} });
      console.log('held');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((res) => child.stdout.on('data', (d: Buffer) => d.toString().includes('held') && res()));
    assert.ok(listLocks(dir).filter((l) => l.held).every((l) => l.holders[0]?.pid === child.pid));
    await assert.rejects(reserveCpus(host, 1, { purpose: 'x', locksDir: dir, timeoutMs: 300 }));
    child.kill('SIGKILL');
    await new Promise((res) => child.on('exit', res));
    const r = await reserveCpus(host, 4, { purpose: 'after', locksDir: dir, timeoutMs: 2000 });
    assert.deepEqual(r.plan.cpus, [0, 1, 2, 3]);
    r.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
