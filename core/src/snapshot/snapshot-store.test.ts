import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitSnapshot, listSnapshots, loadSnapshot, stagingDir } from './snapshot-store.js';
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
