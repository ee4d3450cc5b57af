import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addHolder, currentHolder, holderPath, isHolderAlive, readHolders, removeHolder } from './holder.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-locks-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('records of dead processes, or of a reused pid, are not reported as holders', () => {
  const me = currentHolder('shared', 'test');
  assert.equal(me.pid, process.pid);
  assert.ok(me.startTime !== undefined, 'start time read from /proc');
  assert.equal(isHolderAlive(me), true);
  assert.equal(isHolderAlive({ ...me, startTime: me.startTime! + 1 }), false, 'same pid, different process');

  const exited = spawnSync(process.execPath, ['-e', '']);
  assert.equal(exited.status, 0);
  assert.equal(isHolderAlive({ ...me, pid: exited.pid!, startTime: undefined }), false);
});

test('the sidecar keeps one record per acquisition and prunes the dead', (t) => {
  const lock = join(tempDir(t), 'l.lock');
  const a = currentHolder('shared', 'a');
  const b = currentHolder('shared', 'b');
  const dead = { ...currentHolder('shared', 'dead'), pid: 2 ** 22 + 1 }; // above any pid_max
  addHolder(lock, dead);
  addHolder(lock, a);
  addHolder(lock, b);
  assert.deepEqual(readHolders(lock).map((h) => h.purpose), ['a', 'b']);
  removeHolder(lock, a.id);
  assert.deepEqual(readHolders(lock).map((h) => h.purpose), ['b']);
});

test('a missing or garbled sidecar means "holder unknown", not an error', (t) => {
  const lock = join(tempDir(t), 'l.lock');
  assert.deepEqual(readHolders(lock), []);
  writeFileSync(holderPath(lock), '{"holders": [{"pid": 1');
  assert.deepEqual(readHolders(lock), []);
  writeFileSync(holderPath(lock), '{"holders": [{"pid": "x"}, 7]}');
  assert.deepEqual(readHolders(lock), []);
});
