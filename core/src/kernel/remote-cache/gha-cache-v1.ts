/**
 * The GitHub Actions cache's legacy v1 service, for the runners that still speak only it: GitHub
 * Enterprise Server, Forgejo and Gitea runners, and `act` (github.com itself moved to v2,
 * gha-cache.ts). A REST API under `<ACTIONS_CACHE_URL>_apis/artifactcache/` with the runner's
 * bearer token, as @actions/cache uses it:
 *   GET  cache?keys=K&version=V        204 miss, or 200 {archiveLocation} to GET the blob from
 *   POST caches {key, version, cacheSize}   reserve: {cacheId}; 409 when the key exists
 *   PATCH caches/ID                    one chunk, Content-Range: bytes a-b/*
 *   POST caches/ID {size}              commit
 * Written here for the reasons gha-cache.ts gives for not using @actions/cache.
 */
import { GHA_ENTRY_VERSION } from './gha-cache.js';
import { type RemoteStore, readBody, request } from './remote-store.js';

const ACCEPT = 'application/json;api-version=6.0-preview.1';
/** @actions/cache uploads in chunks of 32 MiB; so do we (the services cap a request's size). */
export const V1_CHUNK_BYTES = 32 * 1024 * 1024;

export class GhaLegacyCacheStore implements RemoteStore {
  readonly description: string;
  private readonly base: string;

  constructor(cacheUrl: string, private readonly token: string, private readonly chunkBytes = V1_CHUNK_BYTES) {
    const u = new URL(cacheUrl); // throws on a malformed URL; remote-cache.ts reports which variable
    this.base = cacheUrl.endsWith('/') ? cacheUrl : `${cacheUrl}/`;
    this.description = `GitHub Actions cache (v1) ${u.origin}`;
  }

  private url(path: string): string {
    return new URL(`_apis/artifactcache/${path}`, this.base).href;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { accept: ACCEPT, authorization: `Bearer ${this.token}`, ...extra };
  }

  private async fail(res: Response, what: string): Promise<never> {
    const text = (await res.text().catch(() => '')).slice(0, 200);
    throw new Error(`${what} answered ${res.status} ${res.statusText}${text ? `: ${text}` : ''}`);
  }

  async get(key: string): Promise<Buffer | undefined> {
    const res = await request(this.url(`cache?keys=${encodeURIComponent(key)}&version=${GHA_ENTRY_VERSION}`), { headers: this.headers() }, `cache lookup of ${key}`);
    if (res.status === 204 || res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) return this.fail(res, `cache lookup of ${key}`);
    const found = (await res.json()) as { cacheKey?: string; archiveLocation?: string };
    if (!found.archiveLocation || (found.cacheKey !== undefined && found.cacheKey !== key)) return undefined;
    const blob = await request(found.archiveLocation, {}, `download of ${key}`);
    if (!blob.ok) {
      await blob.body?.cancel();
      throw new Error(`download of ${key} answered ${blob.status} ${blob.statusText}`);
    }
    return readBody(blob, `download of ${key}`);
  }

  async put(key: string, blob: Buffer): Promise<'stored' | 'exists'> {
    const reserve = await request(this.url('caches'), {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({ key, version: GHA_ENTRY_VERSION, cacheSize: blob.length }),
    }, `reserving ${key}`);
    // Entries are immutable; 409 means stored already, or being stored by another job right now.
    if (reserve.status === 409) {
      await reserve.body?.cancel();
      return 'exists';
    }
    if (!reserve.ok) return this.fail(reserve, `reserving ${key}`);
    const { cacheId } = (await reserve.json()) as { cacheId?: number };
    if (cacheId === undefined) throw new Error(`reserving ${key} answered without a cacheId`);
    for (let start = 0; start < blob.length; start += this.chunkBytes) {
      const end = Math.min(start + this.chunkBytes, blob.length) - 1;
      const res = await request(this.url(`caches/${cacheId}`), {
        method: 'PATCH',
        headers: this.headers({ 'content-type': 'application/octet-stream', 'content-range': `bytes ${start}-${end}/*` }),
        body: blob.subarray(start, end + 1),
      }, `uploading ${key}`);
      if (!res.ok) return this.fail(res, `uploading bytes ${start}-${end} of ${key}`);
      await res.body?.cancel();
    }
    const commit = await request(this.url(`caches/${cacheId}`), {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({ size: blob.length }),
    }, `committing ${key}`);
    if (!commit.ok) return this.fail(commit, `committing ${key}`);
    await commit.body?.cancel();
    return 'stored';
  }
}
