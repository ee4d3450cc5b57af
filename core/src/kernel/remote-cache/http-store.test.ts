/**
 * The remote kernel cache against a real HTTP server on loopback (loopback-store.ts): a round
 * trip between two empty local caches, and the ways a store fails — a connection dropped in the
 * middle of a body, a 500, an entry whose bytes do not match its manifest. Each failure must leave
 * no entry (and no staging leftovers) in the local cache and say in the log what it fell back to.
 * Entries here are small fakes shaped like a kernel entry, so the tests take milliseconds; the
 * real resolver path with a real kernel is test/e2e/remote-kernel-cache.test.ts.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { installFromRemote, pushEntry, remoteKey, remoteStoresFromEnv } from './remote-cache.js';
import { startLoopbackStore, type LoopbackStore } from './loopback-store.js';
import { findCachedKernel } from '../kernel-cache.js';
import { resolveKernel } from '../resolve.js';

const RELEASE = '9.9.1+ktstrtest1-cloud-amd64';

function makeFakeEntry(cacheDir: string, release: string): string {
  const dir = join(cacheDir, 'kernels', release);
  mkdirSync(dir, { recursive: true });
  // Distinct, non-repeating bytes so a flipped byte is a real change in the middle of a file.
  const vmlinux = Buffer.alloc(300_000);
  for (let i = 0; i < vmlinux.length; i++) vmlinux[i] = (i * 2654435761) >>> 24;
  writeFileSync(join(dir, 'vmlinux'), vmlinux);
  writeFileSync(join(dir, 'vmlinuz'), Buffer.from('not really a kernel image\n'));
  writeFileSync(join(dir, 'System.map'), 'ffffffff81000000 T _text\n');
  writeFileSync(join(dir, 'config'), 'CONFIG_SCHED_CLASS_EXT=y\n');
  writeFileSync(join(dir, 'meta.json'), `${JSON.stringify({ release, version: release.split('+')[0], origin: 'test', fetchedAt: new Date().toISOString() })}\n`);
  return dir;
}

describe('remote kernel cache over HTTP', () => {
  let store: LoopbackStore;
  let work: string;
  let lines: string[];
  const log = (l: string) => lines.push(l);
  const saved = { ...process.env };
  const useCache = (name: string): string => {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    process.env.KTSTR_CACHE_DIR = dir;
    return dir;
  };
  const leftovers = (cache: string): string[] => (existsSync(join(cache, 'kernels')) ? readdirSync(join(cache, 'kernels')) : []);

  before(async () => {
    store = await startLoopbackStore();
  });
  after(async () => {
    await store.close();
    process.env = saved;
  });
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'ktstr-remote-'));
    lines = [];
    store.blobs.clear();
    store.fault = 'none';
    process.env = { ...saved, KTSTR_REMOTE_CACHE: store.url };
    delete process.env.KTSTR_GHA_CACHE;
    delete process.env.KTSTR_REMOTE_CACHE_PUSH;
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  test('an entry pushed from one cache is pulled whole into another, empty one', async () => {
    const a = useCache('a');
    const dir = makeFakeEntry(a, RELEASE);
    await pushEntry(dir, log);
    assert.ok(store.blobs.has(`/kernels/${remoteKey(RELEASE)}.tar.gz`), `stored under its key; log: ${lines.join(' | ')}`);
    assert.match(lines.join('\n'), /pushed 9\.9\.1\+ktstrtest1-cloud-amd64 to HTTP store/);

    await pushEntry(dir, log);
    assert.match(lines.at(-1)!, /already in HTTP store/, 'a second push is skipped after a HEAD');

    const b = useCache('b');
    const got = await installFromRemote(RELEASE, log);
    assert.equal(got, join(b, 'kernels', RELEASE));
    for (const f of ['vmlinux', 'vmlinuz', 'System.map', 'config', 'meta.json']) {
      assert.deepEqual(readFileSync(join(got!, f)), readFileSync(join(dir, f)), `${f} identical`);
    }
    assert.equal(findCachedKernel(RELEASE)?.release, RELEASE, 'the pulled entry is a usable cache entry');
    assert.deepEqual(leftovers(b), [RELEASE], 'no staging directory left behind');
  });

  test('the resolver pulls a release from the remote instead of asking Debian', async () => {
    await pushEntry(makeFakeEntry(useCache('a'), RELEASE), log);
    useCache('b');
    // A full release string lets fetchKernel ask the remote before apt; this fake release is in
    // no archive, so success proves the remote answered.
    const k = await resolveKernel(RELEASE, log);
    assert.equal(k.label, RELEASE);
    assert.match(k.how, /fetched/);
    assert.ok(!lines.some((l) => /apt-get|downloading/.test(l)), `no Debian download: ${lines.join(' | ')}`);
  });

  test('a connection dropped mid-transfer leaves no entry and logs the fallback', async () => {
    await pushEntry(makeFakeEntry(useCache('a'), RELEASE), log);
    const b = useCache('b');
    store.fault = 'drop-mid-body';
    const got = await installFromRemote(RELEASE, log);
    assert.equal(got, undefined);
    assert.deepEqual(leftovers(b), [], 'nothing half-written');
    const line = lines.find((l) => /failed for 9\.9\.1/.test(l));
    assert.ok(line, `a logged failure: ${lines.join(' | ')}`);
    assert.match(line, /connection dropped mid-transfer/, 'the failure is the dropped connection');
    assert.match(line, /building or fetching it instead/);
  });

  test('a server answering 500 is logged and skipped, for pulls and pushes', async () => {
    const dir = makeFakeEntry(useCache('a'), RELEASE);
    store.fault = 'status-500';
    await pushEntry(dir, log); // must not throw
    assert.match(lines.join('\n'), /pushing 9\.9\.1\S+ to HTTP store \S+ failed: PUT \S+ answered 500/);
    const b = useCache('b');
    assert.equal(await installFromRemote(RELEASE, log), undefined);
    assert.match(lines.join('\n'), /answered 500/);
    assert.deepEqual(leftovers(b), []);
  });

  test('an entry whose file does not match its manifest hash is refused', async () => {
    await pushEntry(makeFakeEntry(useCache('a'), RELEASE), log);
    const path = `/kernels/${remoteKey(RELEASE)}.tar.gz`;
    const tar = gunzipSync(store.blobs.get(path)!);
    // Flip one byte inside vmlinux's data (tar headers carry their own checksum; data does not).
    const at = tar.indexOf(Buffer.from('vmlinux\0')) + 512 + 1000;
    tar[at] ^= 0xff;
    store.blobs.set(path, gzipSync(tar));
    const b = useCache('b');
    assert.equal(await installFromRemote(RELEASE, log), undefined);
    assert.match(lines.join('\n'), /served a bad entry for 9\.9\.1.*vmlinux has sha256 .* \(hash mismatch\)/);
    assert.deepEqual(leftovers(b), []);
  });

  test('an entry whose meta.json names another release is refused', async () => {
    const dir = makeFakeEntry(useCache('a'), RELEASE);
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ release: '9.9.9+other-cloud-amd64', version: '9.9.9', origin: 'test', fetchedAt: '' }));
    await pushEntry(dir, log);
    const b = useCache('b');
    assert.equal(await installFromRemote(RELEASE, log), undefined);
    assert.match(lines.join('\n'), /its meta\.json names release "9\.9\.9\+other-cloud-amd64"/);
    assert.deepEqual(leftovers(b), []);
  });

  test('the local cache wins: an entry present locally is never replaced or even asked for', async () => {
    const a = useCache('a');
    const dir = makeFakeEntry(a, RELEASE);
    const before = store.requests.length;
    assert.equal(await installFromRemote(RELEASE, log), dir);
    assert.equal(store.requests.length, before, 'no request made');
  });

  test('KTSTR_REMOTE_CACHE_PUSH=0 looks up only', async () => {
    process.env.KTSTR_REMOTE_CACHE_PUSH = '0';
    await pushEntry(makeFakeEntry(useCache('a'), RELEASE), log);
    assert.equal(store.blobs.size, 0);
    assert.match(lines.join('\n'), /not pushing/);
  });

  test('a malformed URL or a GHA request without the runner variables is logged, not fatal', () => {
    const msgs: string[] = [];
    const stores = remoteStoresFromEnv({ KTSTR_REMOTE_CACHE: 'ftp://example.invalid/x', KTSTR_GHA_CACHE: '1' }, (l) => msgs.push(l));
    assert.deepEqual(stores, []);
    assert.match(msgs[0]!, /KTSTR_REMOTE_CACHE is not usable .*http/);
    assert.match(msgs[1]!, /ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL \(or ACTIONS_CACHE_URL\) are not in the environment/);
  });
});
