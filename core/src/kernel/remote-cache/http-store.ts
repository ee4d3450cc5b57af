/**
 * A plain HTTP(S) store (`KTSTR_REMOTE_CACHE=URL`): an entry is `<URL>/<key>.tar.gz`, read with
 * GET and written with PUT, so any server that stores what is PUT and serves it back works
 * (nginx with WebDAV's PUT, a bucket behind a presigning proxy, `ktstr`'s own test server).
 * `KTSTR_REMOTE_CACHE_TOKEN`, when set, is sent as a bearer token.
 */
import { type RemoteStore, readBody, request } from './remote-store.js';

/** The URL with any user:password removed, for log lines. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable URL)';
  }
}

export class HttpStore implements RemoteStore {
  readonly description: string;
  private readonly base: string;
  private readonly headers: Record<string, string>;

  constructor(baseUrl: string, token?: string) {
    const u = new URL(baseUrl); // throws on a malformed URL; remote-cache.ts reports which variable
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${redactUrl(baseUrl)} is not an http(s) URL`);
    this.base = baseUrl.replace(/\/+$/, '');
    this.description = `HTTP store ${redactUrl(baseUrl)}`;
    this.headers = token ? { authorization: `Bearer ${token}` } : {};
  }

  private url(key: string): string {
    return `${this.base}/${encodeURIComponent(key)}.tar.gz`;
  }

  async get(key: string): Promise<Buffer | undefined> {
    const res = await request(this.url(key), { headers: this.headers }, `GET ${key}`);
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`GET ${key} answered ${res.status} ${res.statusText}`);
    }
    return readBody(res, `GET ${key}`);
  }

  async put(key: string, blob: Buffer): Promise<'stored' | 'exists'> {
    // HEAD first: a 75 MB upload is worth skipping when another runner stored it already.
    const head = await request(this.url(key), { method: 'HEAD', headers: this.headers }, `HEAD ${key}`);
    if (head.ok) return 'exists';
    const res = await request(this.url(key), {
      method: 'PUT',
      headers: { ...this.headers, 'content-type': 'application/gzip', 'content-length': String(blob.length) },
      body: blob,
    }, `PUT ${key}`);
    await res.body?.cancel();
    if (!res.ok) throw new Error(`PUT ${key} answered ${res.status} ${res.statusText}`);
    return 'stored';
  }
}
