// Ctrl-C in the middle of a cell must leave nothing behind: no QEMU, no guest-RAM file in
// /dev/shm, no VM directory, no held lock. This drives the real CLI in its own process group
// and sends SIGINT to the group, as a terminal does. Only what this run made is checked: other
// runs on a shared host start VMs of their own meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cacheRoot, listLocks } from '@ktstr/core';
import { skipReason } from '../vm/cell-env.js';
import { descendants } from './process-tree.js';

const root = join(import.meta.dirname, '..', '..');
const ramFiles = () => readdirSync('/dev/shm').filter((n) => n.startsWith('ktstr-ram-'));
const vmDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('ktstr-vm-'));
/** RAM files are named ktstr-ram-<pid of the process that started the VM>-... */
const ownerPid = (ramFile: string) => Number(/^ktstr-ram-(\d+)-/.exec(ramFile)?.[1]);
const qemuWith = (needle: string) => {
  try {
    return execFileSync('pgrep', ['-f', needle], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
};

test('SIGINT during a cell leaves no QEMU, no /dev/shm file, no lock', { skip: skipReason, timeout: 240_000 }, async () => {
  const ramBefore = new Set(ramFiles());
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
    const tree = new Set(descendants(child.pid!));
    ours = ramFiles().filter((n) => !ramBefore.has(n) && tree.has(ownerPid(n)) && qemuWith(n).length > 0);
  }
  assert.ok(ours.length > 0, `no VM started; output:\n${output}`);
  await sleep(1500); // into the cell

  const ourPids = new Set([child.pid!, ...descendants(child.pid!)]);
  // Our VM's directory, from its QEMU's command line (sockets and console log live there).
  const ourVmDirs = [...ourPids].flatMap((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').match(/ktstr-vm-[A-Za-z0-9-]+/g) ?? [];
    } catch {
      return [];
    }
  });
  assert.ok(ourVmDirs.length > 0, 'found the VM directory of our QEMU');
  process.kill(-child.pid!, 'SIGINT');
  const code = await exited;
  assert.notEqual(code, 0, 'an interrupted run does not report success');
  await sleep(300);

  assert.deepEqual(qemuWith(ours[0]!), [], 'no QEMU left');
  assert.deepEqual(ramFiles().filter((n) => ownerPid(n) === ownerPid(ours[0]!)), [], 'no guest RAM file left in /dev/shm');
  assert.deepEqual(vmDirs().filter((n) => ourVmDirs.includes(n)), [], 'no VM directory left');
  assert.deepEqual(listLocks(join(cacheRoot(), 'locks')).filter((l) => l.held && l.holders.some((h) => ourPids.has(h.pid))), [], 'no lock held');
});

test('SIGINT before a cell starts: the results still list it, as a skip that says the run was interrupted', { skip: skipReason, timeout: 120_000 }, async () => {
  const child = spawn(process.execPath, [join(root, 'cli/dist/bin.js'), 'test', join(root, 'test/fixtures/long-cell.ktstr.ts'), '--json'], {
    cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // The plan is made and the test process is starting: no cell has begun yet.
  for (let i = 0; i < 600 && !/cell\(s\) to run/.test(stderr); i++) await sleep(50);
  assert.match(stderr, /1 cell\(s\) to run/);
  process.kill(-child.pid!, 'SIGINT');
  assert.notEqual(await exited, 0);
  const results = JSON.parse(stdout) as { cells: { name: string; status: string; reason?: string }[] };
  assert.equal(results.cells.length, 1, `every planned cell has a verdict: ${stdout}`);
  const [cell] = results.cells;
  // Interrupted before or after its start event: a skip that never ran, or a failure mid-cell.
  assert.ok(cell!.status === 'skipped' || cell!.status === 'failed', cell!.status);
  assert.match(cell!.reason ?? '', /interrupted \(SIGINT\)/);
});
