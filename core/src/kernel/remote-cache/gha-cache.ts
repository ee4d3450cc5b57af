/**
 * The GitHub Actions cache as a remote store (`KTSTR_GHA_CACHE=1`), spoken directly: the cache
 * service's v2 API is a Twirp service (JSON over POST to
 * `<ACTIONS_RESULTS_URL>/twirp/github.actions.results.api.v1.CacheService/<Method>`, bearer
 * ACTIONS_RUNTIME_TOKEN) that hands out signed blob-storage URLs; the blob itself goes up with one
 * Azure "Put Blob" (PUT, `x-ms-blob-type: BlockBlob`) and comes down with a plain GET.
 *
 * Why not the @actions/cache package: it archives paths on disk with the system tar and zstd
 * into its own format, pulls in the Azure SDK and a dozen other packages, and reads its
 * configuration only from the runner environment of a JavaScript action; ktstr needs one blob
 * per kernel entry, already verified by its own manifest, from a CLI that runs in a `run:` step.
 * Three small JSON calls and two blob requests are less to trust than that dependency tree.
 *
 * The legacy v1 service (ACTIONS_CACHE_URL, `_apis/artifactcache`), retired on github.com in 2025
 * but still what GHES, Forgejo and `act` runners speak, is gha-cache-v1.ts.
 */
import { createHash } from 'node:crypto';
import { type RemoteStore, readBody, request } from './remote-store.js';

const SERVICE = 'github.actions.results.api.v1.CacheService';
/** The Azure storage API version sent with Put Blob (single-request blobs up to 5000 MiB). */
const BLOB_API_VERSION = '2020-10-02';
/**
 * The cache service scopes entries by key *and* version; @actions/cache derives the version from
 * the cached paths and compression. Ours names the entry format, so a change of format never
 * restores an entry of the old one.
 */
export const GHA_ENTRY_VERSION = createHash('sha256').update('ktstr-kernel-entry/1').digest('hex');

class TwirpError extends Error {
  constructor(readonly method: string, readonly status: number, readonly code: string, msg: string) {
    super(`${method} answered ${status} ${code}${msg ? `: ${msg}` : ''}`);
  }
}

export class GhaCacheStore implements RemoteStore {
  readonly description: string;

  constructor(private readonly resultsUrl: string, private readonly token: string) {
    new URL(resultsUrl); // throws on a malformed URL; remote-cache.ts reports which variable
    this.description = `GitHub Actions cache ${new URL(resultsUrl).origin}`;
  }

  private async rpc<T>(method: string, body: Record<string, unknown>): Promise<T> {
    const url = new URL(`/twirp/${SERVICE}/${method}`, this.resultsUrl).href;
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify(body),
    }, method);
    const text = await res.text();
    if (!res.ok) {
      // Twirp errors are JSON {code, msg}; anything else (a proxy's HTML page) is reported by status.
      let code = 'unknown';
      let msg = text.slice(0, 200);
      try {
        const e = JSON.parse(text) as { code?: string; msg?: string };
        code = e.code ?? code;
        msg = e.msg ?? '';
      } catch { /* not JSON */ }
      throw new TwirpError(method, res.status, code, msg);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`${method} answered ${res.status} with a body that is not JSON`);
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    let found: { ok?: boolean; signed_download_url?: string; signedDownloadUrl?: string; matched_key?: string; matchedKey?: string };
    try {
      found = await this.rpc('GetCacheEntryDownloadURL', { key, restore_keys: [], version: GHA_ENTRY_VERSION });
    } catch (e) {
      if (e instanceof TwirpError && e.code === 'not_found') return undefined;
      throw e;
    }
    // Proto3 JSON may use either field spelling; a miss is ok=false (or no URL).
    const url = found.signed_download_url ?? found.signedDownloadUrl;
    if (!found.ok || !url) return undefined;
    const matched = found.matched_key ?? found.matchedKey;
    if (matched !== undefined && matched !== key) return undefined; // no restore keys are sent, so only an exact hit counts
    const res = await request(url, {}, `download of ${key}`);
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`download of ${key} answered ${res.status} ${res.statusText}`);
    }
    return readBody(res, `download of ${key}`);
  }

  async put(key: string, blob: Buffer): Promise<'stored' | 'exists'> {
    let created: { ok?: boolean; signed_upload_url?: string; signedUploadUrl?: string };
    try {
      created = await this.rpc('CreateCacheEntry', { key, version: GHA_ENTRY_VERSION });
    } catch (e) {
      // Entries are immutable: the service refuses a second entry for a key and version.
      if (e instanceof TwirpError && (e.code === 'already_exists' || e.status === 409)) return 'exists';
      throw e;
    }
    const url = created.signed_upload_url ?? created.signedUploadUrl;
    // ok=false: another job is creating this entry right now, which is as good as stored.
    if (!created.ok || !url) return 'exists';
    const res = await request(url, {
      method: 'PUT',
      headers: {
        'x-ms-blob-type': 'BlockBlob',
        'x-ms-version': BLOB_API_VERSION,
        'content-type': 'application/octet-stream',
        'content-length': String(blob.length),
      },
      body: blob,
    }, `upload of ${key}`);
    await res.body?.cancel();
    if (!res.ok) throw new Error(`upload of ${key} answered ${res.status} ${res.statusText}`);
    // int64 fields travel as strings in proto3 JSON.
    const done = await this.rpc<{ ok?: boolean }>('FinalizeCacheEntryUpload', { key, version: GHA_ENTRY_VERSION, size_bytes: String(blob.length) });
    if (!done.ok) throw new Error(`FinalizeCacheEntryUpload of ${key} answered ok=false`);
    return 'stored';
  }
}
