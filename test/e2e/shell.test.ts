// `ktstr shell --exec` end to end through the real CLI: output and exit status come back,
// injected host binaries run with their shared libraries, and --scheduler loads one first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { nativeArtifacts } from '@ktstr/native';
import { skipReason } from '../vm/cell-env.js';

const root = join(import.meta.dirname, '..', '..');
const ktstr = (args: string[]) => spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), ...args], { encoding: 'utf8', timeout: 240_000 });

test('--exec returns output, stderr and status; injected binaries find their libraries', { skip: skipReason, timeout: 240_000 }, () => {
  // lz4 is dynamically linked (liblz4, libc): it runs only if the closure came along.
  const r = ktstr(['shell', '--topology', '2n2l1c1t', '--include-files', '/usr/bin/lz4', '--json',
    '--exec', 'lz4 --version; ls -d /sys/devices/system/node/node*; echo to-stderr >&2; exit 3']);
  assert.equal(r.status, 3, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.status, 3);
  assert.match(out.stdout, /LZ4 command line interface/);
  assert.match(out.stdout, /node0\n.*node1\n/s);
  assert.equal(out.stderr, 'to-stderr\n');
});

test('--scheduler loads a sched_ext scheduler before the command', { skip: skipReason, timeout: 240_000 }, () => {
  const r = ktstr(['shell', '--scheduler', nativeArtifacts.fixtureScheduler, '--exec', 'cat /sys/kernel/sched_ext/state /sys/kernel/sched_ext/root/ops']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'enabled\nktstr\n');
});

test('a bad topology is refused before any VM starts, naming the flag', () => {
  const r = ktstr(['shell', '--topology', '2n3l1c1t', '--exec', 'true']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--topology\.llcs: does not divide evenly over 2 NUMA nodes/);
});
