/**
 * The spare keeper: prepared restores (spare QEMUs) shared by the test-file processes of one run.
 *
 * node:test runs every test file in a process of its own, so a spare prepared inside one file's
 * process (spare-vm.ts) never serves the next file: each file's first restore started QEMU on
 * demand (~0.55 s instead of ~0.3 s). The keeper is one small Node process per test run — per
 * node:test runner process, whose pid names it — that keeps at most one prepared restore per
 * snapshot key for the last MAX_KEYS keys used, and hands one over to whichever process asks for that
 * key: the taker connects to the QEMU's channel and QMP sockets and finishes the restore itself
 * (QemuVm.adoptPrepared). The taker asks for the next spare of that key when its cell's scenario
 * has ended.
 *
 * Lifetime: the first test-file process that wants a spare starts the keeper (a plain child with
 * no pdeathsig, in its process group, so it outlives that file but a Ctrl-C reaches it). The
 * keeper stops — killing its QEMUs, which run under `setpriv --pdeathsig` and die with it anyway,
 * and removing their RAM files and directories — when the runner process is gone, when it has
 * had no client for IDLE_EXIT_MS, and on SIGINT/SIGTERM/SIGHUP (vm/teardown.ts). A spare nobody
 * took for SPARE_IDLE_MS is discarded. A QEMU it handed over stays its child: when the taker's
 * connection closes (the file's process ended, even by SIGKILL) or the QEMU exits, the keeper
 * removes what is left of it.
 *
 * Protocol: newline-delimited JSON over a Unix socket, requests { id, op, ... } and replies
 * { id, ... }. Ops: `prepare` {key, request, saved}, `take` {key, request, saved} → {handover|null},
 * `settle` → {} once no spare is being launched (a cell's workload never shares the CPU with a launch).
 */
import { createServer, type Socket } from 'node:net';
import { appendFileSync, rmSync } from 'node:fs';
import { QemuVm, type PreparedRestore, type SavedVm, type VmRequest } from '../vm/qemu-backend.js';
import { registerTeardown } from '../vm/teardown.js';

/**
 * Keys with a spare at once (KTSTR_SPARE_KEYS, default 4): each spare is one paused QEMU and one
 * sparse copy of guest RAM (~100–200 MB together). A gauntlet runs a test over its presets one
 * after the other, so the next cell's key is rarely the last one's; with a spare per recently
 * used key, a cycle over up to this many topologies always finds its spare.
 */
export const MAX_KEYS = Math.max(1, Number(process.env.KTSTR_SPARE_KEYS ?? 4) || 4);
export const SPARE_IDLE_MS = 120_000;
export const IDLE_EXIT_MS = 30_000;
/** How long a stopping keeper lets its spares go in order before it exits regardless. */
export const STOP_GRACE_MS = 1_000;

interface Pooled {
  key: string;
  ready: Promise<PreparedRestore | undefined>;
  madeAt: number;
}

export interface KeeperRequest {
  id: number;
  op: 'prepare' | 'take' | 'settle';
  key?: string;
  request?: VmRequest;
  saved?: SavedVm;
}

export async function runKeeper(socketPath: string, runnerPid: number): Promise<void> {
  // Its stdio is closed (see spare-keeper-client.ts): KTSTR_TRACE_KEEPER=<file> appends its trace there.
  const trace = process.env.KTSTR_TRACE_KEEPER;
  const log = (line: string) => {
    if (trace) appendFileSync(trace, `${new Date().toISOString()} spare keeper ${process.pid}: ${line}\n`);
  };
  const pool = new Map<string, Pooled>();
  const clients = new Set<Socket>();
  let lastActivity = Date.now();

  const launch = (key: string, request: VmRequest, saved: SavedVm) => {
    if (pool.has(key)) return;
    // The oldest key goes when there are too many.
    while (pool.size >= MAX_KEYS) {
      const oldest = [...pool.values()].sort((a, b) => a.madeAt - b.madeAt)[0]!;
      pool.delete(oldest.key);
      void oldest.ready.then((p) => p?.discard());
    }
    log(`preparing ${key}`);
    pool.set(key, { key, madeAt: Date.now(), ready: QemuVm.prepareRestore(request, saved).catch((e: Error) => {
      log(`could not prepare ${key}: ${e.message.split('\n')[0]}`);
      return undefined;
    }) });
  };

  /** Watches a handed-over QEMU: its leftovers go when it exits or its taker goes away. */
  const own = (client: Socket, p: PreparedRestore) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearInterval(watch);
      void p.discard();
    };
    const watch = setInterval(() => {
      if (!p.alive) finish();
    }, 500);
    client.once('close', finish);
  };

  const handle = async (client: Socket, r: KeeperRequest): Promise<object> => {
    lastActivity = Date.now();
    if (r.op === 'settle') {
      await Promise.all([...pool.values()].map((p) => p.ready));
      return {};
    }
    if (!r.key || !r.request || !r.saved) return { error: `${r.op} needs key, request and saved` };
    if (r.op === 'prepare') {
      launch(r.key, r.request, r.saved);
      return {};
    }
    const entry = pool.get(r.key);
    pool.delete(r.key);
    const p = await entry?.ready;
    let handover = null;
    if (p?.alive) {
      handover = p.handOver();
      own(client, p);
      log(`handed ${r.key} (pid ${handover.pid}) over`);
    } else if (p) {
      void p.discard();
    }
    // The taker asks for the next one when its cell's scenario has ended (spare-vm.ts), so the
    // launch does not share the CPU with its workload.
    return { handover };
  };

  const server = createServer((client) => {
    clients.add(client);
    lastActivity = Date.now();
    let buffered = '';
    client.setEncoding('utf8');
    client.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let req: KeeperRequest;
        try {
          req = JSON.parse(line) as KeeperRequest;
        } catch {
          continue;
        }
        void handle(client, req).then((reply) => {
          if (!client.destroyed) client.write(`${JSON.stringify({ id: req.id, ...reply })}\n`);
        });
      }
    });
    client.on('error', () => undefined);
    client.on('close', () => {
      clients.delete(client);
      lastActivity = Date.now();
    });
  });

  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log(`stopping: ${why}`);
    clearInterval(tick);
    server.close();
    rmSync(socketPath, { force: true });
    // A spare still being prepared may take its QMP timeouts (tens of seconds, on a QEMU that hangs
    // or was stopped) to settle; the run that asked for it has ended and must not find this process
    // and its QEMU still there. So the orderly discard gets a moment, then exit: the QEMUs die with
    // the keeper (their parent-death signal) and the exit teardowns remove their files.
    await Promise.race([
      Promise.all([...pool.values()].map(async (p) => (await p.ready)?.discard())),
      new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS)),
    ]);
    process.exit(0);
  };
  registerTeardown(() => rmSync(socketPath, { force: true }));

  const runnerAlive = () => {
    try {
      process.kill(runnerPid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const tick = setInterval(() => {
    if (!runnerAlive()) return void stop(`the runner (pid ${runnerPid}) is gone`);
    if (clients.size === 0 && Date.now() - lastActivity > IDLE_EXIT_MS) return void stop('idle');
    for (const p of [...pool.values()]) {
      if (Date.now() - p.madeAt > SPARE_IDLE_MS && Date.now() - lastActivity > SPARE_IDLE_MS) {
        pool.delete(p.key);
        void p.ready.then((x) => x?.discard());
      }
    }
  }, 500);

  rmSync(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  log(`listening on ${socketPath} for runner ${runnerPid}`);
}
