/**
 * The legacy (v1) GitHub Actions cache client against a loopback server speaking that protocol
 * as @actions/cache uses it: `_apis/artifactcache/` under the cache URL's path, the runner token
 * as a bearer, the api-version in Accept, 204 for a miss, a reservation that answers 409 for a key
 * that exists, chunked PATCH uploads whose Content-Range must follow on from each other, a commit
 * whose size must match, and entries visible only once committed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GHA_ENTRY_VERSION } from './gha-cache.js';
import { GhaLegacyCacheStore } from './gha-cache-v1.js';

const TOKEN = 'v1-runtime-token';
const PREFIX = '/tenant-1/_apis/artifactcache/';

interface Entry { id: number; key: string; version: string; chunks: Buffer[]; next: number; committed: boolean }

let server: ReturnType<typeof createServer>;
let base = '';
const entries: Entry[] = [];
const seen: string[] = [];

before(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push(`${req.method} ${url.pathname}`);
      if (url.pathname.startsWith('/archive/')) {
        const e = entries.find((x) => x.id === Number(url.pathname.slice('/archive/'.length)) && x.committed);
        if (!e) return void res.writeHead(404).end();
        const blob = Buffer.concat(e.chunks);
        return void res.writeHead(200, { 'content-length': blob.length }).end(blob);
      }
      if (!url.pathname.startsWith(PREFIX)) return void res.writeHead(404).end();
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end();
      if (!String(req.headers.accept).includes('api-version=6.0-preview')) return void res.writeHead(400).end('api-version');
      const path = url.pathname.slice(PREFIX.length);
      const json = (status: number, o: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(o));
      if (req.method === 'GET' && path === 'cache') {
        const keys = (url.searchParams.get('keys') ?? '').split(',');
        const e = entries.find((x) => x.committed && keys.includes(x.key) && x.version === url.searchParams.get('version'));
        if (!e) return void res.writeHead(204).end();
        return void json(200, { cacheKey: e.key, scope: 'refs/heads/main', archiveLocation: `${base}/archive/${e.id}` });
      }
      if (req.method === 'POST' && path === 'caches') {
        const { key, version, cacheSize } = JSON.parse(body.toString()) as { key: string; version: string; cacheSize: number };
        if (!key || !version || typeof cacheSize !== 'number') return void res.writeHead(400).end();
        if (entries.some((x) => x.key === key && x.version === version)) return void json(409, { message: 'already exists' });
        const e: Entry = { id: entries.length + 1, key, version, chunks: [], next: 0, committed: false };
        entries.push(e);
        return void json(201, { cacheId: e.id });
      }
      const m = /^caches\/(\d+)$/.exec(path);
      const e = m ? entries.find((x) => x.id === Number(m[1])) : undefined;
      if (!e) return void res.writeHead(404).end();
      if (req.method === 'PATCH') {
        const range = /^bytes (\d+)-(\d+)\/\*$/.exec(String(req.headers['content-range']));
        if (!range || Number(range[1]) !== e.next || Number(range[2]) - Number(range[1]) + 1 !== body.length) return void res.writeHead(400).end('bad range');
        e.chunks.push(body);
        e.next += body.length;
        return void res.writeHead(204).end();
      }
      if (req.method === 'POST') {
        const { size } = JSON.parse(body.toString()) as { size: number };
        if (size !== e.next) return void res.writeHead(400).end('size mismatch');
        e.committed = true;
        return void res.writeHead(204).end();
      }
      res.writeHead(405).end();
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));

test('a blob goes up in chunks, is committed, and comes back; a miss is 204; a second put finds it exists', async () => {
  const store = new GhaLegacyCacheStore(`${base}/tenant-1/`, TOKEN, 1000);
  assert.equal(await store.get('k1'), undefined, 'miss before the put');
  const blob = Buffer.from(Array.from({ length: 3500 }, (_, i) => i % 251));
  assert.equal(await store.put('k1', blob), 'stored');
  assert.equal(seen.filter((s) => s.startsWith('PATCH')).length, 4, '3500 bytes in chunks of 1000');
  assert.equal(entries[0]!.version, GHA_ENTRY_VERSION);
  assert.deepEqual(await store.get('k1'), blob);
  assert.equal(await store.put('k1', blob), 'exists');
});

test('a rejected token is an error naming the call', async () => {
  const store = new GhaLegacyCacheStore(`${base}/tenant-1`, 'wrong');
  await assert.rejects(store.get('k1'), /cache lookup of k1 answered 401/);
});
