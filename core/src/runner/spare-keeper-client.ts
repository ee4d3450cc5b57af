/**
 * A test-file process's connection to its run's spare keeper (spare-keeper.ts), started on first
 * use. Used only inside a node:test file process (NODE_TEST_CONTEXT is set: the runner process,
 * our parent, is what the keeper lives as long as), unless KTSTR_SPARE_KEEPER=0. Without it,
 * spares stay per process (spare-vm.ts).
 */
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { withLock } from '../locks/index.js';
import { locksDir } from '../paths.js';
import type { SavedVm, SpareHandover, VmRequest } from '../vm/qemu-backend.js';
import type { KeeperRequest } from './spare-keeper.js';

export const SPARE_KEEPER_ENV = 'KTSTR_SPARE_KEEPER';
/** Longer than a QEMU launch on a loaded host, which `take` and `settle` may wait for. */
const CALL_TIMEOUT_MS = 30_000;

export function keeperSocketPath(runnerPid: number): string {
  return join(tmpdir(), `ktstr-spares-${process.getuid?.() ?? 0}-${runnerPid}.sock`);
}

export function keeperDisabledReason(request?: VmRequest): string | undefined {
  if (process.env[SPARE_KEEPER_ENV] === '0') return `${SPARE_KEEPER_ENV}=0`;
  if (!process.env.NODE_TEST_CONTEXT && process.env[SPARE_KEEPER_ENV] !== '1') return 'not a node:test file process';
  if (request && Buffer.isBuffer(request.initrd)) return 'an initramfs in memory cannot be shared';
  return undefined;
}

export class KeeperClient {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Record<string, unknown>) => void>();

  private constructor(private readonly socket: Socket) {
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const reply = JSON.parse(buffered.slice(0, nl)) as Record<string, unknown> & { id: number };
        buffered = buffered.slice(nl + 1);
        this.waiting.get(reply.id)?.(reply);
        this.waiting.delete(reply.id);
      }
    });
    const fail = () => {
      for (const w of this.waiting.values()) w({ error: 'the spare keeper went away' });
      this.waiting.clear();
    };
    socket.on('close', fail);
    socket.on('error', () => undefined);
    // The connection must not keep a finished test file's process alive.
    socket.unref();
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  private call(r: Omit<KeeperRequest, 'id'>): Promise<Record<string, unknown>> {
    if (this.socket.destroyed) return Promise.resolve({ error: 'the spare keeper went away' });
    const id = this.nextId++;
    return new Promise((resolve) => {
      // A keeper that does not answer costs a cell at most this long: it then starts QEMU itself.
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve({ error: `the spare keeper did not answer ${r.op} within ${CALL_TIMEOUT_MS / 1000} s` });
      }, CALL_TIMEOUT_MS);
      timer.unref();
      this.waiting.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      // Referenced while a reply is due, so the process waits for it.
      this.socket.ref();
      this.socket.write(`${JSON.stringify({ id, ...r })}\n`);
    }).finally(() => {
      if (this.waiting.size === 0) this.socket.unref();
    }) as Promise<Record<string, unknown>>;
  }

  prepare(key: string, request: VmRequest, saved: SavedVm): void {
    void this.call({ op: 'prepare', key, request, saved });
  }

  async take(key: string, request: VmRequest, saved: SavedVm): Promise<SpareHandover | undefined> {
    const r = await this.call({ op: 'take', key, request, saved });
    return (r.handover as SpareHandover | null) ?? undefined;
  }

  async settle(): Promise<void> {
    await this.call({ op: 'settle' });
  }

  static async connect(path: string): Promise<KeeperClient | undefined> {
    return new Promise((resolve) => {
      const s = connect(path);
      s.once('connect', () => resolve(new KeeperClient(s)));
      s.once('error', () => resolve(undefined));
    });
  }
}

let client: Promise<KeeperClient | undefined> | undefined;
let settled: KeeperClient | undefined;

/**
 * The keeper connection if this process has one or the run's keeper is already listening (a
 * direct connect, about a millisecond); never waits for a keeper to start. For takeSpare, which
 * is on a cell's critical path.
 */
export async function keeperIfRunning(): Promise<KeeperClient | undefined> {
  if (settled && !settled.closed) return settled;
  if (client) return undefined; // being started: not worth waiting for
  const direct = await KeeperClient.connect(keeperSocketPath(process.ppid));
  if (direct) {
    settled = direct;
    client = Promise.resolve(direct);
  }
  return direct;
}

/** This process's keeper connection, starting the keeper when the run has none yet; undefined when it cannot be used. */
export function keeper(): Promise<KeeperClient | undefined> {
  client ??= (async () => {
    const runner = process.ppid;
    const path = keeperSocketPath(runner);
    const direct = await KeeperClient.connect(path);
    if (direct) return direct;
    try {
      // One process of the run starts it; the others wait on the lock and then connect.
      return await withLock(join(locksDir(), `spare-keeper-${runner}.lock`), { mode: 'exclusive', wait: true, timeoutMs: 15_000, purpose: 'start the spare keeper' }, async () => {
        const again = await KeeperClient.connect(path);
        if (again) return again;
        startKeeper(path, runner);
        for (let i = 0; i < 100; i++) {
          await sleep(50);
          const c = await KeeperClient.connect(path);
          if (c) return c;
        }
        process.stderr.write('ktstr: the spare keeper did not start within 5 s; spares stay per process\n');
        return undefined;
      });
    } catch (e) {
      process.stderr.write(`ktstr: no spare keeper (${(e as Error).message.split('\n')[0]}); spares stay per process\n`);
      return undefined;
    }
  })();
  return client.then((c) => {
    if (c && !c.closed) settled = c;
    return c && !c.closed ? c : undefined;
  });
}

function startKeeper(path: string, runner: number): void {
  const here = fileURLToPath(import.meta.url);
  const main = join(here, '..', `spare-keeper-main${here.endsWith('.ts') ? '.ts' : '.js'}`);
  // The loader this process runs under (tsx from a source tree), so the keeper runs the same code.
  const loader: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const a = process.execArgv[i]!;
    if ((a === '--import' || a === '--loader' || a === '--require') && i + 1 < process.execArgv.length) loader.push(a, process.execArgv[++i]!);
    else if (a.startsWith('--import=') || a.startsWith('--loader=') || a.startsWith('--require=')) loader.push(a);
  }
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  // `ktstr coverage` measures the user's test files: the keeper is ours, and it outlives the
  // test processes, so its V8 coverage would land in the coverage directory after the CLI
  // removed it, leaving /tmp/ktstr-coverage-*/v8 behind. Empty, not deleted: spawn() puts a
  // missing NODE_V8_COVERAGE back from this process's environment; an empty one turns it off.
  env.NODE_V8_COVERAGE = '';
  // No pdeathsig: it must outlive this file's process. Same process group: a Ctrl-C reaches it.
  // No inherited stdio: the runner reads this process's pipes until they close.
  const child = spawn(process.execPath, [...loader, main, path, String(runner)], { stdio: 'ignore', env });
  child.unref();
}
