// Two concurrent `ktstr test` runs on one host: each reserves its CPU budget with per-CPU and
// per-LLC flocks, so when the first holds every CPU the second waits and says for whom.
// SIGKILLing the first run frees its CPUs: the second proceeds and no VM of the first remains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cacheRoot, listLocks, readHostTopology } from '@ktstr/core';
import { skipReason } from '../vm/cell-env.js';
import { descendants } from './process-tree.js';

const root = join(import.meta.dirname, '..', '..');
const fixture = join(root, 'test/fixtures/gauntlet-three.ktstr.ts');
// Holds its cell for two minutes: long enough to be found holding its CPUs.
const longCell = join(root, 'test/fixtures/long-cell.ktstr.ts');
const cpus = readHostTopology().allowedCpus.length;
const cpuLocks = () => listLocks(join(cacheRoot(), 'locks')).filter((l) => l.held && l.path.includes('/cpu/'));

function run(file: string, ...args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(root, 'cli/bin/ktstr.js'), 'test', file, ...args, '--cpu-cap', String(cpus)], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out, exited: new Promise((res) => child.on('exit', (c) => res(c))) };
}


test('a second run waits for the first one\'s CPUs and gets them when the first is killed', { skip: skipReason, timeout: 300_000 }, async () => {
  const a = run(longCell);
  let held = cpuLocks();
  for (let i = 0; i < 300 && held.length < cpus; i++) {
    await sleep(100);
    held = cpuLocks();
  }
  assert.equal(held.length, cpus, `the first run did not reserve ${cpus} CPU(s):\n${a.output()}`);
  const holderPid = held[0]!.holders[0]!.pid;
  assert.ok(held.every((l) => l.holders[0]?.pid === holderPid && /long-cell/.test(l.holders[0].command)), JSON.stringify(held));
  const aTree = descendants(a.child.pid!);
  assert.ok(aTree.includes(holderPid), 'the lock holder is a process of the first run');

  const b = run(fixture, '--topology', 'tiny-2llc');
  for (let i = 0; i < 200 && !/waiting for \d+ free CPU/.test(b.output()); i++) await sleep(100);
  assert.match(b.output(), new RegExp(`waiting for ${cpus} free CPU\\(s\\); held by pid ${holderPid}`));

  a.child.kill('SIGKILL');
  await a.exited;
  assert.equal(await b.exited, 0, b.output());
  assert.match(b.output(), /1 passed, 0 failed/);
  await sleep(1500);
  const alive = aTree.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  assert.deepEqual(alive, [], 'no process of the killed run (runner, test process, QEMU) survives');
  assert.deepEqual(cpuLocks(), [], 'no CPU lock is left held');
});
