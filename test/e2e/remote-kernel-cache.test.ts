// The remote kernel cache on the resolver's real path with a real kernel: a run with an empty
// local cache fetches Debian's newest sched_ext kernel and pushes it to an HTTP store on loopback;
// a second run with another empty local cache gets it from the store, byte for byte, without
// downloading from Debian. Needs apt and the Debian archive (as the bootstrap does); skips saying
// so when this machine cannot fetch kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveKernel } from '../../core/src/kernel/resolve.js';
import { OUR_SOURCES } from '../../core/src/kernel/debian-archive.js';
import { startLoopbackStore } from '../../core/src/kernel/remote-cache/loopback-store.js';

const why = spawnSync('sh', ['-c', 'command -v apt-get && command -v dpkg-deb'], { stdio: 'ignore' }).status !== 0
  ? 'apt-get and dpkg-deb are needed to fetch a Debian kernel'
  : !existsSync(OUR_SOURCES) && process.getuid?.() !== 0
    ? `${OUR_SOURCES} is missing and adding it needs root (run the bootstrap first)`
    : false;

const digest = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

test('a kernel fetched into one empty cache is pushed, and a second empty cache pulls it instead of fetching', { skip: why, timeout: 600_000 }, async (t) => {
  const store = await startLoopbackStore();
  const work = mkdtempSync(join(tmpdir(), 'ktstr-remote-e2e-'));
  const saved = { ...process.env };
  t.after(async () => {
    process.env = saved;
    await store.close();
    rmSync(work, { recursive: true, force: true });
  });
  delete process.env.KTSTR_KERNEL;
  delete process.env.KTSTR_GHA_CACHE;
  process.env.KTSTR_REMOTE_CACHE = store.url;

  const first: string[] = [];
  process.env.KTSTR_CACHE_DIR = join(work, 'a');
  const started = Date.now();
  const ka = await resolveKernel(undefined, (l) => first.push(l));
  const fetchS = (Date.now() - started) / 1000;
  assert.match(ka.how, /fetched the newest Debian/);
  assert.ok(first.some((l) => l.startsWith('downloading ')), `fetched from Debian: ${first.join(' | ')}`);
  assert.ok(first.some((l) => /is not in HTTP store/.test(l)), 'the empty store was asked first and the miss logged');
  assert.ok(first.some((l) => /^remote cache: pushed /.test(l)), `pushed: ${first.join(' | ')}`);
  assert.equal(store.blobs.size, 1);

  const second: string[] = [];
  process.env.KTSTR_CACHE_DIR = join(work, 'b');
  const pulledAt = Date.now();
  const kb = await resolveKernel(undefined, (l) => second.push(l));
  const pullS = (Date.now() - pulledAt) / 1000;
  assert.equal(kb.label, ka.label);
  assert.ok(second.some((l) => /^remote cache: \S+ from HTTP store .* sha256 checked/.test(l)), `pulled: ${second.join(' | ')}`);
  assert.ok(!second.some((l) => l.startsWith('downloading ')), `no Debian download the second time: ${second.join(' | ')}`);
  assert.ok(!second.some((l) => /pushed/.test(l)), 'a pulled kernel is not pushed back');
  for (const f of ['vmlinuz', 'vmlinux', 'config', 'System.map']) {
    assert.equal(digest(join(work, 'b', 'kernels', kb.label, f)), digest(join(work, 'a', 'kernels', ka.label, f)), `${f} identical`);
  }
  process.stderr.write(`remote-kernel-cache: ${ka.label}: fetch from Debian + push ${fetchS.toFixed(1)} s, pull from the loopback store ${pullS.toFixed(1)} s, `
    + `entry ${(store.blobs.values().next().value!.length / 1e6).toFixed(1)} MB\n`);
});
