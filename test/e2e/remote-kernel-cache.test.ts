// The remote kernel cache on the resolver's real path with a real kernel: a run with an empty
// local cache fetches Debian's newest sched_ext kernel and pushes it to an HTTP store on loopback;
// a second run with another empty local cache gets it from the store, byte for byte, without
// downloading from Debian. Needs apt and the Debian archive (as the bootstrap does); skips saying
// so when this machine cannot fetch kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveKernel } from '../../core/src/kernel/resolve.js';
import { OUR_SOURCES } from '../../core/src/kernel/debian-archive.js';
import { startLoopbackStore } from '../../core/src/kernel/remote-cache/loopback-store.js';
import { pushEntry } from '../../core/src/kernel/remote-cache/remote-cache.js';
import { buildKernel } from '../../core/src/kernel/build/build-kernel.js';
import { cacheRoot } from '../../core/src/paths.js';

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

// `ktstr kernel build` asks the remote before making anything. Needs a kernel this machine built
// before (the built entry is what a CI runner would have pushed) and its unpacked source; the
// build tree is shared with the real cache through a symlink, so configuring is the only work.
const realCache = cacheRoot();
const builtEntries = existsSync(join(realCache, 'kernels'))
  ? readdirSync(join(realCache, 'kernels')).filter((n) => /-build-[0-9a-f]+$/.test(n) && existsSync(join(realCache, 'kernels', n, 'meta.json')))
  : [];
const noBuilt = builtEntries.length === 0 || !existsSync(join(realCache, 'kernel-build', 'sources'))
  ? 'no kernel built by `ktstr kernel build` in the cache (one takes 20-60 minutes on 1 CPU), so there is nothing a remote could hold for a build'
  : false;

test('a build whose source and config the remote holds is pulled from it, and make never runs', { skip: why || noBuilt, timeout: 600_000 }, async (t) => {
  const store = await startLoopbackStore();
  const work = mkdtempSync(join(tmpdir(), 'ktstr-remote-build-'));
  const saved = { ...process.env };
  t.after(async () => {
    process.env = saved;
    await store.close();
    rmSync(work, { recursive: true, force: true });
  });
  delete process.env.KTSTR_GHA_CACHE;
  process.env.KTSTR_REMOTE_CACHE = store.url;
  delete process.env.KTSTR_REMOTE_CACHE_PUSH;
  // Every built entry goes to the store, as runners that built them would have pushed them.
  for (const name of builtEntries) await pushEntry(join(realCache, 'kernels', name));
  assert.equal(store.blobs.size, builtEntries.length);
  const version = (JSON.parse(readFileSync(join(realCache, 'kernels', builtEntries[0]!, 'meta.json'), 'utf8')) as { version: string }).version;

  // An empty kernel cache whose build tree is the real one.
  process.env.KTSTR_CACHE_DIR = join(work, 'cache');
  mkdirSync(process.env.KTSTR_CACHE_DIR);
  symlinkSync(join(realCache, 'kernel-build'), join(process.env.KTSTR_CACHE_DIR, 'kernel-build'));
  const lines: string[] = [];
  const r = await buildKernel({
    source: version.split('.').slice(0, 2).join('.'),
    cpuCap: 1,
    log: (l) => {
      lines.push(l);
      // Rather than an hour of make: this machine's configuration differs from every stored build.
      if (l.startsWith('make: -j')) throw new Error(`the build went on to make; its key is in none of ${builtEntries.join(', ')}: ${lines.join(' | ')}`);
    },
  });
  assert.equal(r.cached, true);
  assert.ok(builtEntries.includes(r.kernel.release), r.kernel.release);
  assert.ok(lines.some((l) => /^remote cache: \S+ from HTTP store .* sha256 checked/.test(l)), `pulled: ${lines.join(' | ')}`);
  assert.ok(lines.some((l) => /from the remote cache .* nothing built/.test(l)), lines.join(' | '));
  for (const f of ['vmlinuz', 'vmlinux', 'System.map']) {
    assert.equal(digest(join(process.env.KTSTR_CACHE_DIR, 'kernels', r.kernel.release, f)), digest(join(realCache, 'kernels', r.kernel.release, f)), `${f} identical`);
  }
});
