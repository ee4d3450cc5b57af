/**
 * A minimal QMP (QEMU Machine Protocol) client over QEMU's Unix socket: line-delimited JSON,
 * a greeting, `qmp_capabilities`, then one command at a time. Asynchronous events are kept so
 * a caller can wait for one (e.g. MIGRATION completed).
 */
import type { Socket } from 'node:net';
import { connectWhenReady } from './unix-socket.js';
import { setTimeout as sleep } from 'node:timers/promises';

interface QmpReply {
  return?: unknown;
  error?: { class: string; desc: string };
  event?: string;
  data?: Record<string, unknown>;
  QMP?: unknown;
}

/** QEMU answers a QMP command in milliseconds even under TCG on a loaded host; this long is a hang. */
export const QMP_REPLY_TIMEOUT_MS = 20_000;

export class QmpClient {
  readonly events: QmpReply[] = [];
  private buffer = '';
  private pending: Array<(r: QmpReply) => void> = [];
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('close', () => {
      this.closed = true;
      for (const p of this.pending.splice(0)) p({ error: { class: 'Closed', desc: 'QMP socket closed' } });
    });
    socket.on('error', () => {});
  }

  /** Connects (retrying while QEMU creates the socket) and negotiates capabilities. */
  static async connect(path: string, timeoutMs = 10_000): Promise<QmpClient> {
    const client = new QmpClient(await connectWhenReady(path, timeoutMs));
    try {
      const greeting = await client.next('its greeting', timeoutMs);
      if (greeting.error) throw new Error(greeting.error.desc);
      await client.execute('qmp_capabilities');
      return client;
    } catch (e) {
      client.close();
      throw new Error(`QMP at ${path} did not answer: ${(e as Error).message}`);
    }
  }

  async execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = QMP_REPLY_TIMEOUT_MS): Promise<T> {
    if (this.closed) throw new Error(`QMP ${command}: the connection is closed`);
    const reply = this.next(command, timeoutMs);
    this.socket.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    const r = await reply;
    if (r.error) throw new Error(`QMP ${command} failed: ${r.error.desc}`);
    return r.return as T;
  }

  /** Polls `query-migrate` until the migration completes (or fails). */
  async waitForMigration(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.execute<{ status?: string; 'error-desc'?: string }>('query-migrate');
      if (s.status === 'completed') return;
      if (s.status === 'failed' || s.status === 'cancelled') throw new Error(`migration ${s.status}: ${s['error-desc'] ?? 'no detail'}`);
      if (Date.now() > deadline) throw new Error(`migration still ${s.status ?? 'not started'} after ${timeoutMs} ms`);
      await sleep(5);
    }
  }

  unref(): void {
    this.socket.unref();
  }

  ref(): void {
    this.socket.ref();
  }

  close(): void {
    this.socket.destroy();
  }

  /**
   * The next reply. A QEMU that is stopped (SIGSTOP) or hung never answers: after `timeoutMs`
   * this fails saying so, and closes the connection, whose later replies would be misread.
   */
  private next(what: string, timeoutMs: number): Promise<QmpReply> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        resolve({ error: { class: 'Timeout', desc: `QEMU did not answer ${what} within ${timeoutMs} ms (stopped or hung)` } });
        this.close();
      }, timeoutMs);
      this.pending.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line) as QmpReply;
      if (msg.event) this.events.push(msg);
      else this.pending.shift()?.(msg);
    }
  }
}
