/**
 * The GitHub Actions cache client against a loopback server that speaks the cache service's v2
 * protocol as GitHub's toolkit documents and uses it: Twirp JSON calls with proto field names
 * (CreateCacheEntry, FinalizeCacheEntryUpload, GetCacheEntryDownloadURL) under a bearer token,
 * signed blob URLs that take an Azure "Put Blob" (x-ms-blob-type: BlockBlob, 201 Created) and a
 * GET, entries visible only once finalized, immutable per key and version (409 already_exists).
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GHA_ENTRY_VERSION, GhaCacheStore } from './gha-cache.js';
import { installFromRemote, pushEntry, remoteStoresFromEnv } from './remote-cache.js';

const TOKEN = 'runtime-token-for-test';
const PREFIX = '/twirp/github.actions.results.api.v1.CacheService/';

interface Entry { key: string; version: string; blobId: number; finalized: boolean; size?: number }

async function startCacheService() {
  const entries: Entry[] = [];
  const blobs = new Map<number, Buffer>();
  const calls: { method: string; body: Record<string, unknown> }[] = [];
  let nextId = 1;
  let base = '';
  const twirpError = (res: ServerResponse, status: number, code: string, msg: string) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ code, msg }));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname.startsWith('/blob/')) {
        const id = Number(url.pathname.slice('/blob/'.length));
        if (url.searchParams.get('sig') !== `s${id}`) return void res.writeHead(403).end();
        if (req.method === 'PUT') {
          if (req.headers['x-ms-blob-type'] !== 'BlockBlob') return void res.writeHead(400).end('x-ms-blob-type missing');
          blobs.set(id, raw);
          return void res.writeHead(201).end();
        }
        const blob = blobs.get(id);
        if (req.method !== 'GET' || !blob) return void res.writeHead(404).end();
        return void res.writeHead(200, { 'content-length': blob.length }).end(blob);
      }
      if (req.method !== 'POST' || !url.pathname.startsWith(PREFIX)) return void twirpError(res, 404, 'bad_route', `no route ${url.pathname}`);
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return void twirpError(res, 401, 'unauthenticated', 'bad token');
      if (!String(req.headers['content-type']).startsWith('application/json')) return void twirpError(res, 400, 'malformed', 'json only');
      const method = url.pathname.slice(PREFIX.length);
      const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      calls.push({ method, body });
      const key = body.key as string | undefined;
      const version = body.version as string | undefined;
      if (!key || !version) return void twirpError(res, 400, 'invalid_argument', 'key and version are required');
      const json = (o: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(o));
      switch (method) {
        case 'CreateCacheEntry': {
          if (entries.some((e) => e.key === key && e.version === version)) return void twirpError(res, 409, 'already_exists', 'cache entry exists');
          const e: Entry = { key, version, blobId: nextId++, finalized: false };
          entries.push(e);
          return void json({ ok: true, signed_upload_url: `${base}/blob/${e.blobId}?sig=s${e.blobId}` });
        }
        case 'FinalizeCacheEntryUpload': {
          const e = entries.find((x) => x.key === key && x.version === version && !x.finalized);
          const size = Number(body.size_bytes);
          if (!e || blobs.get(e.blobId)?.length !== size) return void json({ ok: false });
          e.finalized = true;
          e.size = size;
          return void json({ ok: true, entry_id: String(e.blobId) });
        }
        case 'GetCacheEntryDownloadURL': {
          const e = entries.find((x) => x.key === key && x.version === version && x.finalized);
          if (!e) return void json({ ok: false });
          return void json({ ok: true, signed_download_url: `${base}/blob/${e.blobId}?sig=s${e.blobId}`, matched_key: e.key });
        }
        default:
          return void twirpError(res, 404, 'bad_route', method);
      }
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `${base}/`, entries, blobs, calls, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

describe('GitHub Actions cache (v2 protocol) as the remote', () => {
  let svc: Awaited<ReturnType<typeof startCacheService>>;
  let work: string;
  let lines: string[];
  const log = (l: string) => lines.push(l);
  const saved = { ...process.env };
  const useCache = (n: string) => { const d = join(work, n); mkdirSync(d, { recursive: true }); process.env.KTSTR_CACHE_DIR = d; return d; };
  const fakeEntry = (cache: string, release: string) => {
    const dir = join(cache, 'kernels', release);
    mkdirSync(dir, { recursive: true });
    for (const f of ['vmlinuz', 'vmlinux', 'System.map', 'config']) writeFileSync(join(dir, f), `${f} of ${release}\n`.repeat(1000));
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ release, version: '9.9.2', origin: 'test', fetchedAt: new Date().toISOString() }));
    return dir;
  };

  before(async () => { svc = await startCacheService(); });
  after(async () => { await svc.close(); process.env = saved; });
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'ktstr-gha-'));
    lines = [];
    process.env = { ...saved, KTSTR_GHA_CACHE: '1', ACTIONS_RESULTS_URL: svc.url, ACTIONS_RUNTIME_TOKEN: TOKEN };
    delete process.env.KTSTR_REMOTE_CACHE;
    delete process.env.KTSTR_REMOTE_CACHE_PUSH;
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  test('push, then pull into an empty cache; a second push finds the entry exists', async () => {
    const release = '9.9.2+ktstrtest2-cloud-amd64';
    const dir = fakeEntry(useCache('a'), release);
    await pushEntry(dir, log);
    assert.match(lines.join('\n'), /pushed 9\.9\.2\S+ to GitHub Actions cache/);
    const create = svc.calls.find((c) => c.method === 'CreateCacheEntry')!;
    assert.deepEqual(create.body, { key: `ktstr-kernel-${release}`, version: GHA_ENTRY_VERSION });
    const fin = svc.calls.find((c) => c.method === 'FinalizeCacheEntryUpload')!;
    assert.equal(typeof fin.body.size_bytes, 'string', 'int64 travels as a string');
    await pushEntry(dir, log);
    assert.match(lines.at(-1)!, /already in GitHub Actions cache/);

    const b = useCache('b');
    const got = await installFromRemote(release, log);
    assert.equal(got, join(b, 'kernels', release));
    assert.deepEqual(readFileSync(join(got!, 'vmlinux')), readFileSync(join(dir, 'vmlinux')));
    assert.deepEqual(readdirSync(join(b, 'kernels')), [release]);
  });

  test('a miss (ok: false) is reported as a miss, not a failure', async () => {
    useCache('c');
    assert.equal(await installFromRemote('9.9.3+absent-cloud-amd64', log), undefined);
    assert.match(lines.join('\n'), /9\.9\.3\+absent-cloud-amd64 is not in GitHub Actions cache/);
  });

  test('a rejected token is a logged failure and leaves nothing behind', async () => {
    const c = useCache('d');
    const store = new GhaCacheStore(svc.url, 'wrong');
    assert.equal(await installFromRemote('9.9.2+ktstrtest2-cloud-amd64', log, [store]), undefined);
    assert.match(lines.join('\n'), /GetCacheEntryDownloadURL answered 401 unauthenticated: bad token/);
    assert.ok(!existsSync(join(c, 'kernels', '9.9.2+ktstrtest2-cloud-amd64')));
  });

  test('the service is chosen as @actions/cache chooses it: v2 when the runner says so or offers nothing else, else v1', () => {
    const pick = (env: NodeJS.ProcessEnv) => remoteStoresFromEnv({ KTSTR_GHA_CACHE: '1', ACTIONS_RUNTIME_TOKEN: 't', ...env }).map((s) => s.description);
    const both = { ACTIONS_RESULTS_URL: 'https://results.invalid/', ACTIONS_CACHE_URL: 'https://legacy.invalid/x/' };
    assert.deepEqual(pick({ ...both, ACTIONS_CACHE_SERVICE_V2: 'True' }), ['GitHub Actions cache https://results.invalid']);
    assert.deepEqual(pick(both), ['GitHub Actions cache (v1) https://legacy.invalid']);
    assert.deepEqual(pick({ ACTIONS_RESULTS_URL: both.ACTIONS_RESULTS_URL }), ['GitHub Actions cache https://results.invalid']);
    assert.deepEqual(pick({ ACTIONS_CACHE_URL: both.ACTIONS_CACHE_URL }), ['GitHub Actions cache (v1) https://legacy.invalid']);
  });
});
