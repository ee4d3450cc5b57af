import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock } from './lock.js';
import { listLocks } from './list.js';

// listLocks probes through its own open of each file, which flock treats as a separate contender
// even inside this process, so locks held here show up exactly as another process's would.

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-locks-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('listLocks reports every lock under a directory with its state and holders', async (t) => {
  const dir = tempDir(t);
  const kernel = join(dir, 'kernels', 'k1.lock');
  const shared = join(dir, 'images', 'img'); // no .lock suffix: found through its sidecar
  const idle = join(dir, 'idle.lock');
  const e = await acquireLock(kernel, { mode: 'exclusive', wait: false, purpose: 'build kernel' });
  const s1 = await acquireLock(shared, { mode: 'shared', wait: false, purpose: 'boot a' });
  const s2 = await acquireLock(shared, { mode: 'shared', wait: false, purpose: 'boot b' });
  (await acquireLock(idle, { mode: 'exclusive', wait: false, purpose: 'done already' })).release();
  writeFileSync(join(dir, 'images', 'unrelated.txt'), 'not a lock');
  mkdirSync(join(dir, 'empty'));

  const locks = listLocks(dir);
  assert.deepEqual(
    locks.map((l) => [l.path, l.held, l.state]),
    [
      [idle, false, 'free'],
      [shared, true, 'shared'],
      [kernel, true, 'exclusive'],
    ],
  );
  assert.deepEqual(locks[0]!.holders, []);
  assert.deepEqual(locks[1]!.holders.map((h) => h.purpose).sort(), ['boot a', 'boot b']);
  assert.equal(locks[2]!.holders[0]!.pid, process.pid);
  assert.equal(locks[2]!.holders[0]!.purpose, 'build kernel');

  // Probing must not disturb the holders.
  await assert.rejects(acquireLock(kernel, { mode: 'shared', wait: false, purpose: 'x' }));

  e.release();
  s1.release();
  s2.release();
  assert.deepEqual(
    listLocks(dir).map((l) => l.state),
    ['free', 'free', 'free'],
  );
});

test('listLocks of a missing directory is empty', () => {
  assert.deepEqual(listLocks(join(tmpdir(), 'ktstr-no-such-dir', String(process.pid))), []);
});
