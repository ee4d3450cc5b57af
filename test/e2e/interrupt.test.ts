// Ctrl-C in the middle of a cell must leave nothing behind: no QEMU, no guest-RAM file in
// /dev/shm, no VM directory, no held lock. This drives the real CLI in its own process group
// and sends SIGINT to the group, as a terminal does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cacheRoot, listLocks } from '@ktstr/core';
import { skipReason } from '../vm/cell-env.js';

const root = join(import.meta.dirname, '..', '..');
const ramFiles = () => readdirSync('/dev/shm').filter((n) => n.startsWith('ktstr-ram-'));
const vmDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('ktstr-vm-'));
const qemuWith = (needle: string) => {
  try {
    return execFileSync('pgrep', ['-f', needle], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
};

test('SIGINT during a cell leaves no QEMU, no /dev/shm file, no lock', { skip: skipReason, timeout: 240_000 }, async () => {
  const ramBefore = new Set(ramFiles());
  const dirsBefore = new Set(vmDirs());
  const child = spawn(process.execPath, [join(root, 'cli/dist/bin.js'), 'test', join(root, 'test/fixtures/long-cell.ktstr.ts')], {
    cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  // Wait until the cell's VM is up: a new RAM file exists and QEMU runs with it (a restore
  // copies the RAM file before QEMU starts, so the file alone is not enough).
  let ours: string[] = [];
  for (let i = 0; i < 600 && ours.length === 0; i++) {
    await sleep(100);
    ours = ramFiles().filter((n) => !ramBefore.has(n) && qemuWith(n).length > 0);
  }
  assert.ok(ours.length > 0, `no VM started; output:\n${output}`);
  await sleep(1500); // into the cell

  process.kill(-child.pid!, 'SIGINT');
  const code = await exited;
  assert.notEqual(code, 0, 'an interrupted run does not report success');
  await sleep(300);

  assert.deepEqual(qemuWith(ours[0]!), [], 'no QEMU left');
  assert.deepEqual(ramFiles().filter((n) => !ramBefore.has(n)), [], 'no guest RAM file left in /dev/shm');
  assert.deepEqual(vmDirs().filter((n) => !dirsBefore.has(n)), [], 'no VM directory left');
  assert.deepEqual(listLocks(join(cacheRoot(), 'locks')).filter((l) => l.held), [], 'no lock held');
});
