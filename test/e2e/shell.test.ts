// `ktstr shell --exec` end to end through the real CLI: output and exit status come back,
// injected host binaries run with their shared libraries, and --scheduler loads one first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

test("--exec's status is the command's: exit 3 gives 3, a SIGKILLed shell gives 128+9", { skip: skipReason, timeout: 240_000 }, () => {
  const exit3 = ktstr(['shell', '--exec', 'exit 3']);
  assert.equal(exit3.status, 3, exit3.stderr);
  const killed = ktstr(['shell', '--exec', 'kill -9 $$']);
  assert.equal(killed.status, 137, killed.stderr);
});

test('--include-files copies a directory recursively under /root/<name>, ELF binaries with their libraries', { skip: skipReason, timeout: 240_000 }, (t) => {
  const d = mkdtempSync(join(tmpdir(), 'ktstr-shell-dir-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  mkdirSync(join(d, 'kit/bin'), { recursive: true });
  mkdirSync(join(d, 'kit/data/deep'), { recursive: true });
  copyFileSync('/usr/bin/lz4', join(d, 'kit/bin/lz4'));
  writeFileSync(join(d, 'kit/run.sh'), '#!/bin/sh\ncd "$(dirname "$0")" && cat data/deep/msg && bin/lz4 --version\n', { mode: 0o755 });
  writeFileSync(join(d, 'kit/data/deep/msg'), 'from the tree\n');
  const r = ktstr(['shell', '--include-files', join(d, 'kit'), '--exec', 'find /root/kit -type f | sort; /root/kit/run.sh']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\/root\/kit\/bin\/lz4\n\/root\/kit\/data\/deep\/msg\n\/root\/kit\/run\.sh\nfrom the tree\n.*LZ4 command line interface/s);
});

test('--kernel naming a file that is not a kernel is refused before QEMU, naming it and how to get one', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'ktstr-not-kernel-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const bogus = join(d, 'bzImage');
  writeFileSync(bogus, 'not a kernel at all\n');
  const r = ktstr(['shell', '--kernel', bogus, '--exec', 'true']);
  assert.equal(r.status, 2, r.stderr);
  assert.ok(r.stderr.includes(bogus), r.stderr);
  assert.match(r.stderr, /is not a Linux kernel image/);
  assert.match(r.stderr, /ktstr kernel fetch/);
  assert.doesNotMatch(r.stderr, /channel|QEMU/);
});
