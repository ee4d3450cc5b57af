import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { commitSnapshot, listSnapshots, loadSnapshot, snapshotsDir, stagingDir } from './snapshot-store.js';
import type { HelloMessage } from '../channel/messages.js';

const hello: HelloMessage = { type: 'hello', t_ms: 1, agent: 'ktstr-guest 1', kernel: '7.2', cpus: [] };

function withCache(fn: () => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-snap-'));
  const before = process.env.KTSTR_CACHE_DIR;
  process.env.KTSTR_CACHE_DIR = dir;
  try {
    fn();
  } finally {
    if (before === undefined) delete process.env.KTSTR_CACHE_DIR;
    else process.env.KTSTR_CACHE_DIR = before;
    rmSync(dir, { recursive: true, force: true });
  }
}

function makeSnapshot(key: string) {
  const staging = stagingDir();
  writeFileSync(join(staging, 'state'), 'device state');
  writeFileSync(join(staging, 'ram-node0'), Buffer.alloc(4096, 7));
  return commitSnapshot(staging, { stateFile: join(staging, 'state'), ramFiles: [join(staging, 'ram-node0')] },
    { key, kernel: '/k/vmlinuz', topology: '1n1l2c1t', hello, coldBootMs: 5000 });
}

test('a committed snapshot loads back with its hello', () => withCache(() => {
  const s = makeSnapshot('k1');
  const loaded = loadSnapshot('k1');
  assert.equal(loaded.discarded, undefined);
  assert.deepEqual(loaded.snapshot?.meta.hello, hello);
  assert.deepEqual(loaded.snapshot?.saved.ramFiles, [join(s.dir, 'ram-node0')]);
  assert.equal(listSnapshots().length, 1);
}));

test('a snapshot whose device state changed is discarded with the reason', () => withCache(() => {
  const s = makeSnapshot('k2');
  writeFileSync(join(s.dir, 'state'), 'tampered');
  const loaded = loadSnapshot('k2');
  assert.equal(loaded.snapshot, undefined);
  assert.equal(loaded.discarded, 'device state checksum mismatch');
  assert.equal(existsSync(s.dir), false);
}));

test('a snapshot stored under another key, or with a truncated RAM file, is discarded', () => withCache(() => {
  const s = makeSnapshot('k3');
  writeFileSync(join(s.dir, 'ram-node0'), 'short');
  assert.match(loadSnapshot('k3').discarded ?? '', /RAM file ram-node0 missing or resized/);
  makeSnapshot('k4');
  assert.equal(loadSnapshot('k5').snapshot, undefined);
}));

// Found by the fault soak (snapshot-ram-corrupt): bytes written into a saved RAM file in place,
// its size unchanged, went unnoticed and the guest was restored from the changed memory.
test('a snapshot whose RAM file was written in place (same size) is discarded', () => withCache(() => {
  const s = makeSnapshot('k6');
  const ram = join(s.dir, 'ram-node0');
  const bytes = readFileSync(ram);
  bytes[100] = 0x42;
  writeFileSync(ram, bytes);
  utimesSync(ram, new Date(), new Date(Date.now() + 5000)); // a write's new mtime, however coarse the clock
  assert.match(loadSnapshot('k6').discarded ?? '', /RAM file ram-node0 modified since it was saved/);
}));

// Found by the fault soak (runner-sigkill during a save): the staging directory of a save whose
// process was SIGKILLed stayed in the store forever.
test("a new save removes the staging directory of a dead process's save, not a live one's", () => withCache(() => {
  const first = stagingDir();
  const dead = spawnSync('true').pid!;
  const orphan = join(dirname(first), `.new-${dead}-abc`);
  renameSync(first, orphan);
  const live = stagingDir();
  const mine = stagingDir();
  assert.equal(existsSync(orphan), false);
  assert.equal(existsSync(live), true);
  assert.match(mine, new RegExp(`/\\.new-${process.pid}-`));
}));

// Found by the fault soak (child-sigkill during a save): the next run only restored, and the
// dead save's staging directory stayed until some later save.
test("a snapshot lookup removes a dead process's staging directory too", () => withCache(() => {
  makeSnapshot('k7');
  const dead = spawnSync('true').pid!;
  const orphan = join(snapshotsDir(), `.new-${dead}-xyz`);
  mkdirSync(orphan);
  assert.ok(loadSnapshot('k7').snapshot);
  assert.equal(existsSync(orphan), false);
}));
