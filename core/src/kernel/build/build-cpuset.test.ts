import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpuListString, createBuildCpuset, findCpusetMount } from './build-cpuset.js';

const V2 = '30 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate';
const HYBRID = [
  '30 23 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755',
  '31 30 0:27 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset',
  '32 30 0:28 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw',
].join('\n');

test('a cgroup2 mount is used when it offers cpuset', () => {
  assert.deepEqual(findCpusetMount(V2, () => 'cpuset cpu io memory pids'), { kind: 'cgroup2', path: '/sys/fs/cgroup' });
});

test('a hybrid host with cpuset bound to v1 gets the v1 hierarchy', () => {
  assert.deepEqual(findCpusetMount(HYBRID, () => ''), { kind: 'cgroup1', path: '/sys/fs/cgroup/cpuset' });
});

test('no cpuset anywhere falls back to affinity, logged with the reason', () => {
  const lines: string[] = [];
  const set = createBuildCpuset([0, 1], (l) => lines.push(l), '30 23 0:26 / /proc rw - proc proc rw');
  assert.equal(set.kind, 'affinity');
  assert.deepEqual(set.wrap(['make', '-j2'], 10), ['taskset', '-c', '0-1', 'nice', '-n', '10', 'make', '-j2']);
  assert.match(lines.join('\n'), /no cgroup hierarchy offers the cpuset controller/);
});

test('CPU lists are written in ranges', () => {
  assert.equal(cpuListString([3, 0, 1, 2, 8, 10, 9]), '0-3,8-10');
  assert.equal(cpuListString([5]), '5');
});

// The real thing: a cpuset on this host holding CPU 0, and a process started through it sees only CPU 0.
const mountinfo = existsSync('/proc/self/mountinfo') ? readFileSync('/proc/self/mountinfo', 'utf8') : '';
const canCgroup = process.getuid?.() === 0 && findCpusetMount(mountinfo, (p) => (existsSync(`${p}/cgroup.controllers`) ? readFileSync(`${p}/cgroup.controllers`, 'utf8') : undefined)) !== undefined;
test('a command run through the cpuset is confined to its CPUs', { skip: canCgroup ? false : 'needs root and a cpuset cgroup controller on this host' }, () => {
  const set = createBuildCpuset([0], () => {});
  try {
    assert.notEqual(set.kind, 'affinity');
    const argv = set.wrap(['sh', '-c', 'grep Cpus_allowed_list /proc/self/status; cat /proc/self/cgroup'], 10);
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Cpus_allowed_list:\s+0\n/);
    assert.match(r.stdout, /ktstr-kernel-build-\d+/);
  } finally {
    set.remove();
  }
  assert.ok(!existsSync(set.path!), 'the cgroup is removed afterwards');
});
