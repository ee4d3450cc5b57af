/**
 * A remote store of kernel cache entries: blobs by key. A miss is `undefined`, not an error;
 * anything else that goes wrong throws, and the caller (remote-cache.ts) logs it and carries on
 * without the remote, because the remote only ever saves a download.
 */
export interface RemoteStore {
  /** For log lines: the backend and where it is, without credentials. */
  readonly description: string;
  get(key: string): Promise<Buffer | undefined>;
  /** Stores a blob; 'exists' when the store already holds the key (entries are immutable). */
  put(key: string, blob: Buffer): Promise<'stored' | 'exists'>;
}

/** How long a request may wait for its response to start; a body then has undici's idle timeout. */
export const RESPONSE_TIMEOUT_MS = 60_000;

/**
 * The largest entry a store may send (compressed). A Debian kernel's entry is ~32 MB and a built
 * kernel with an unstripped vmlinux a few hundred; anything near this is not a kernel entry, and
 * reading it whole into memory would hurt the run it was meant to speed up.
 */
export const MAX_ENTRY_BYTES = 2 * 1024 ** 3;

/** Reads a response body whole, checking it against Content-Length (a dropped connection reads short or throws). */
export async function readBody(res: Response, what: string): Promise<Buffer> {
  const announced = Number(res.headers.get('content-length') ?? 0);
  if (announced > MAX_ENTRY_BYTES) {
    await res.body?.cancel();
    throw new Error(`${what}: the store offers ${announced} bytes, more than the ${MAX_ENTRY_BYTES} an entry may have`);
  }
  let body: Buffer;
  try {
    body = Buffer.from(await res.arrayBuffer());
  } catch (e) {
    // undici says only "terminated" when the peer closes in the middle of a body.
    throw new Error(`${what}: the connection dropped mid-transfer (${(e as Error).message})`);
  }
  const declared = res.headers.get('content-length');
  if (declared !== null && Number(declared) !== body.length) {
    throw new Error(`${what}: received ${body.length} of ${declared} bytes (connection dropped)`);
  }
  return body;
}

/** The slowest upload we wait for, in bytes per second, on top of RESPONSE_TIMEOUT_MS. */
const SLOWEST_UPLOAD_BYTES_PER_S = 256 * 1024;

/**
 * fetch with a timeout on the response's start (plus time to send a body at a slow but working
 * rate); the error names the request rather than "fetch failed". The timer stops once the
 * headers are in: a long download is then bounded by undici's idle timeout on the body, not by
 * its total length, so a big entry on a slow link is not cut off for being big.
 */
export async function request(url: string, init: RequestInit, what: string): Promise<Response> {
  try {
    return await requestOnce(url, init, what);
  } catch (e) {
    // A kept-alive connection the server closed just as it was reused fails at once with a reset;
    // an idempotent request is sent again, once, on a new connection. Anything else is reported.
    const method = (init.method ?? 'GET').toUpperCase();
    if (!['GET', 'HEAD', 'PUT'].includes(method) || !/\((ECONNRESET|UND_ERR_SOCKET|EPIPE)\)$/.test((e as Error).message)) throw e;
    return requestOnce(url, init, what);
  }
}

async function requestOnce(url: string, init: RequestInit, what: string): Promise<Response> {
  const bodyBytes = Buffer.isBuffer(init.body) ? init.body.length : 0;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no response within the time allowed`)),
    RESPONSE_TIMEOUT_MS + (bodyBytes / SLOWEST_UPLOAD_BYTES_PER_S) * 1000);
  try {
    return await fetch(url, { ...init, signal: controller.signal });
  } catch (e) {
    const cause = (e as { cause?: { message?: string; code?: string } }).cause;
    throw new Error(`${what}: ${(e as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`);
  } finally {
    clearTimeout(timer);
  }
}
