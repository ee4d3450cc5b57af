import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitSnapshot, listSnapshots, loadSnapshot, stagingDir } from './snapshot-store.js';
import { boundSnapshotStore, parseSize, storeLimitBytes } from './store-bound.js';
import type { HelloMessage } from '../channel/messages.js';

const hello: HelloMessage = { type: 'hello', t_ms: 1, agent: 'ktstr-guest 1', kernel: '7.2', cpus: [] };

function withCache(fn: () => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-bound-'));
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

/** An entry of 64 KiB of RAM file, last used `ageMs` ago. */
function entry(key: string, ageMs: number, kind: 'post-boot' | 'post-attach' = 'post-boot') {
  const staging = stagingDir();
  writeFileSync(join(staging, 'state'), 'device state');
  writeFileSync(join(staging, 'ram-node0'), Buffer.alloc(64 * 1024, 1));
  const s = commitSnapshot(staging, { stateFile: join(staging, 'state'), ramFiles: [join(staging, 'ram-node0')] },
    { key, kernel: '/k', topology: '1n1l2c1t', hello, coldBootMs: 1, kind });
  const t = new Date(Date.now() - ageMs);
  utimesSync(join(s.dir, 'meta.json'), t, t);
  return s;
}

test('sizes parse with binary suffixes, and a bad one names the field and the remedy', () => {
  assert.equal(parseSize('4G', 'x'), 4 * 1024 ** 3);
  assert.equal(parseSize('512M', 'x'), 512 * 1024 ** 2);
  assert.equal(parseSize('1.5GiB', 'x'), 1.5 * 1024 ** 3);
  assert.equal(parseSize('1000', 'x'), 1000);
  assert.throws(() => parseSize('lots', 'KTSTR_SNAPSHOT_STORE_MAX'), /KTSTR_SNAPSHOT_STORE_MAX.*not a size.*e\.g\. 4G/s);
});

test('the limit comes from KTSTR_SNAPSHOT_STORE_MAX, else 8 GiB', () => {
  const before = process.env.KTSTR_SNAPSHOT_STORE_MAX;
  try {
    delete process.env.KTSTR_SNAPSHOT_STORE_MAX;
    assert.equal(storeLimitBytes(), 8 * 1024 ** 3);
    process.env.KTSTR_SNAPSHOT_STORE_MAX = '2G';
    assert.equal(storeLimitBytes(), 2 * 1024 ** 3);
  } finally {
    if (before === undefined) delete process.env.KTSTR_SNAPSHOT_STORE_MAX;
    else process.env.KTSTR_SNAPSHOT_STORE_MAX = before;
  }
});

test('over the limit, the least recently used entries go first, of either kind', () => withCache(() => {
  const old = entry('old', 3_600_000, 'post-attach');
  const middle = entry('middle', 1_800_000);
  const recent = entry('recent', 600_000, 'post-attach');
  const each = listSnapshots().find((s) => s.key === 'old')!.bytesOnDisk;
  const removed = boundSnapshotStore(2 * each);
  assert.deepEqual(removed.map((r) => `${r.kind} ${r.key}`), ['post-attach old']);
  assert.equal(existsSync(old.dir), false);
  assert.equal(existsSync(middle.dir), true);
  assert.equal(existsSync(recent.dir), true);
}));

test('loading an entry makes it recent, so it survives the next bound', () => withCache(() => {
  entry('a', 3_600_000);
  entry('b', 1_800_000);
  assert.ok(loadSnapshot('a').snapshot);
  const each = listSnapshots()[0]!.bytesOnDisk;
  assert.deepEqual(boundSnapshotStore(each).map((r) => r.key), ['b']);
}));

test('the entry just made and entries used in the last minute are kept, even over the limit', () => withCache(() => {
  entry('fresh', 1_000);
  entry('old', 3_600_000);
  entry('kept', 3_600_000);
  assert.deepEqual(boundSnapshotStore(0, ['kept']).map((r) => r.key), ['old']);
  assert.deepEqual(listSnapshots().map((s) => s.key).sort(), ['fresh', 'kept']);
}));
