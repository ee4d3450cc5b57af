/**
 * A real HTTP store on 127.0.0.1 for tests: keeps what is PUT in memory and serves it back on
 * GET/HEAD, the contract KTSTR_REMOTE_CACHE asks of a server. `fault` makes it misbehave the way
 * real stores do: answer 500, or send the headers and part of a body and then drop the connection.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type StoreFault = 'none' | 'status-500' | 'drop-mid-body';

export interface LoopbackStore {
  url: string;
  blobs: Map<string, Buffer>;
  /** Requests seen, as "METHOD /path". */
  requests: string[];
  fault: StoreFault;
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startLoopbackStore(opts: { token?: string } = {}): Promise<LoopbackStore> {
  const blobs = new Map<string, Buffer>();
  const requests: string[] = [];
  const state = { fault: 'none' as StoreFault };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      requests.push(`${req.method} ${path}`);
      if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`) {
        res.writeHead(401).end();
        return;
      }
      if (state.fault === 'status-500') {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
        return;
      }
      if (req.method === 'PUT') {
        blobs.set(path, await bodyOf(req));
        res.writeHead(201).end();
        return;
      }
      const blob = blobs.get(path);
      if (!blob) {
        res.writeHead(404).end();
        return;
      }
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'content-length': blob.length }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': blob.length });
      if (state.fault === 'drop-mid-body') {
        // Half the body, then the socket goes away as a crashed server's or a cut link's would.
        res.write(blob.subarray(0, Math.floor(blob.length / 2)), () => res.socket?.destroy());
        return;
      }
      res.end(blob);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/kernels`,
    blobs,
    requests,
    get fault() { return state.fault; },
    set fault(f: StoreFault) { state.fault = f; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
