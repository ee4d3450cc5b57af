/**
 * The portable VM backend: QEMU as a child process. Owns the process, its RAM files and its
 * sockets for the lifetime of one VM, and guarantees all of them are gone afterwards (see
 * teardown.ts for the paths out).
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { QmpClient } from './qmp.js';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestChannel } from '../channel/guest-channel.js';
import { type MachineSpec, nodeMemoryMiB, qemuArgs, ramFilePath } from './qemu-args.js';
import { RAM_FILE_PREFIX, reapStaleVmFiles, registerTeardown, SHM_DIR, VM_DIR_PREFIX } from './teardown.js';
import { type AccelChoice, chooseAccel } from './accel.js';
import { KtstrError } from '../errors.js';
import { qemuSaid } from './qemu-stderr.js';
import { checkRamSpace } from './ram-space.js';
import { accelFor, qemuBinaryFor } from './guest-arch.js';
import { vmCpus } from '../host/process-pinning.js';
import { isAlive } from '../host/owner-pid.js';
import { setAffinity } from '@ktstr/native';
import { formatCpulist } from '../topology/cpulist.js';
import { markCell } from './cell-timeline.js';

export const QEMU_BINARY = process.env.KTSTR_QEMU ?? 'qemu-system-x86_64';

export type VmRequest = Omit<MachineSpec, 'ramPathPrefix' | 'consoleLog' | 'channelSocket' | 'qmpSocket' | 'accel' | 'initrd' | 'incoming'> & {
  /** The initramfs: a file QEMU reads as is, or bytes written into the VM's private directory. */
  initrd: Buffer | { path: string };
};

/** A saved VM: pristine RAM files (one per NUMA node) and the device state beside them. */
export interface SavedVm {
  ramFiles: string[];
  stateFile: string;
}

export interface VmExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

let vmCounter = 0;

export class QemuVm {
  readonly channel: GuestChannel;
  readonly exited: Promise<VmExit>;
  readonly accel: AccelChoice;
  readonly startedAt: number;
  private readonly dispose: () => void;

  private constructor(
    private readonly child: ChildProcess,
    private readonly spec: MachineSpec,
    private readonly workDir: string,
    channel: GuestChannel,
    exited: Promise<VmExit>,
    accel: AccelChoice,
    dispose: () => void,
    startedAt: number,
    private readonly stderrSoFar: () => string,
  ) {
    this.channel = channel;
    this.exited = exited;
    this.accel = accel;
    this.dispose = dispose;
    this.startedAt = startedAt;
  }

  /**
   * Starts a VM: a cold boot, or with `restore` a copy of a saved VM that continues where it was
   * stopped. The saved RAM files are copied (sparse), never used in place, so the saved VM stays
   * pristine for the next cell.
   */
  static async start(request: VmRequest, restore?: SavedVm): Promise<QemuVm> {
    if (restore) return (await QemuVm.prepareRestore(request, restore)).restore();
    const l = await launch(request, undefined);
    return new QemuVm(l.child, l.spec, l.workDir, l.channel, l.exited, l.accel, l.dispose, l.startedAt, l.stderr);
  }

  /**
   * The first part of a restore: copy the RAM, start QEMU waiting for its incoming state, connect
   * the channel and QMP, load the device state. The guest has not run an instruction yet, so this
   * can be made ahead of need (see runner/spare-vm.ts); what is left (`restore()`) is continuing
   * it. While it waits it does not keep the Node process alive.
   */
  static async prepareRestore(request: VmRequest, saved: SavedVm): Promise<PreparedRestore> {
    return QemuVm.preparedFrom(await launch(request, saved), saved);
  }

  /**
   * A restore prepared by another process (the spare keeper, runner/spare-keeper.ts) and handed
   * over: this process connects to its channel and QMP and finishes the restore. QEMU stays the
   * keeper's child; this process kills it by pid and removes its files when done.
   */
  static async adoptPrepared(h: SpareHandover, saved: SavedVm): Promise<PreparedRestore> {
    // The keeper started this QEMU outside any run's CPU budget: it moves onto the adopter's
    // now, before it runs a guest instruction (host/process-pinning.ts).
    const pin = vmCpus();
    if (pin) pinProcessThreads(h.pid, pin);
    // A keeper from before device states were loaded ahead has not loaded it.
    return QemuVm.preparedFrom(await adoptHandover(h), saved, h.stateLoaded !== true);
  }

  private static async preparedFrom(l: Launched, saved: SavedVm, loadState = true): Promise<PreparedRestore> {
    let qmp: QmpClient;
    try {
      qmp = await QmpClient.connect(l.spec.qmpSocket);
      await qmp.execute('migrate-set-capabilities', { capabilities: [{ capability: 'x-ignore-shared', state: true }] });
      // The device state goes in now, not at restore(): the saved VM was stopped, so the guest
      // stays paused after it until `cont`, untouched (and the state is the one of the RAM copied
      // above, even if the snapshot is replaced meanwhile).
      if (loadState) {
        await qmp.execute('migrate-incoming', { uri: `exec:cat ${shellQuote(saved.stateFile)}` });
        await qmp.waitForMigration(30_000);
      }
    } catch (e) {
      l.channel.close();
      l.dispose();
      throw new Error(`restoring the snapshot failed: ${(e as Error).message}${qemuSaid(l.stderr())}`);
    }
    const handles = [l.child, l.child.stderr, l.channel, qmp] as Array<{ ref?: () => void; unref?: () => void } | null>;
    for (const h of handles) h?.unref?.();
    let used = false;
    return {
      get alive() {
        return l.alive();
      },
      handOver: () => {
        // The keeper's side: let go of the sockets (QEMU accepts the next client on both) but
        // keep the process and its files, which the keeper removes when the adopter is done.
        used = true;
        qmp.close();
        l.channel.close();
        return { pid: l.child.pid!, spec: l.spec, workDir: l.workDir, accel: l.accel, stateLoaded: true };
      },
      restore: async () => {
        if (used) throw new Error('a prepared restore is used once');
        used = true;
        for (const h of handles) h?.ref?.();
        const startedAt = performance.now();
        const trace = process.env.KTSTR_TRACE_RESTORE ? (what: string) => process.stderr.write(`restore: ${what} at ${(performance.now() - l.startedAt).toFixed(0)} ms after launch, ${(performance.now() - startedAt).toFixed(0)} ms after restore()\n`) : () => {};
        trace('prepared, device state loaded');
        try {
          await qmp.execute('cont');
          trace('running');
          markCell('guest continued');
        } catch (e) {
          l.channel.close();
          l.dispose();
          throw new Error(`restoring the snapshot failed: ${(e as Error).message}${qemuSaid(l.stderr())}`);
        } finally {
          qmp.close();
        }
        return new QemuVm(l.child, l.spec, l.workDir, l.channel, l.exited, l.accel, l.dispose, startedAt, l.stderr);
      },
      discard: async () => {
        used = true;
        // Referenced again first: an unreferenced child's exit would not keep the process alive
        // long enough to be awaited.
        for (const h of handles) h?.ref?.();
        qmp.close();
        l.channel.close();
        if (l.alive()) {
          l.child.kill('SIGKILL');
          await l.exited;
        }
        l.dispose();
      },
    };
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get ramFiles(): string[] {
    return Array.from({ length: this.spec.topology.numaNodes }, (_, n) => ramFilePath(this.spec, n));
  }

  /** Each node's RAM file and its size, in node order: what the monitor maps (monitor/ram-layout.ts). */
  get ramNodes(): { node: number; file: string; bytes: bigint }[] {
    const bytes = BigInt(nodeMemoryMiB(this.spec)) << 20n;
    return this.ramFiles.map((file, node) => ({ node, file, bytes }));
  }

  /** The serial console so far (kernel log). */
  consoleLog(): string {
    try {
      return readFileSync(this.spec.consoleLog, 'utf8');
    } catch {
      return '';
    }
  }

  qemuStderr(): string {
    return this.stderrSoFar();
  }

  /** Waits for QEMU to exit by itself (the guest powered off) for up to `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<VmExit | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    const r = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    return r;
  }

  /**
   * Saves this VM for later restores: stops it, writes the device state (RAM stays in the shared
   * files, `x-ignore-shared`), and copies the RAM files sparsely into `dir`. The VM stays stopped.
   */
  async save(dir: string): Promise<SavedVm> {
    const qmp = await QmpClient.connect(this.spec.qmpSocket);
    try {
      await qmp.execute('stop');
      await qmp.execute('migrate-set-capabilities', { capabilities: [{ capability: 'x-ignore-shared', state: true }] });
      const stateFile = join(dir, 'state');
      await qmp.execute('migrate', { uri: `exec:cat > ${shellQuote(stateFile)}` });
      await qmp.waitForMigration(60_000);
      const ramFiles = this.ramFiles.map((f, n) => {
        const to = join(dir, `ram-node${n}`);
        copySparse(f, to);
        return to;
      });
      return { ramFiles, stateFile };
    } finally {
      qmp.close();
    }
  }

  /**
   * A QMP connection of the caller's own while the guest runs (the monitor stops and continues
   * it around captures). QEMU serves one QMP client at a time: the caller closes it when done.
   */
  openQmp(): Promise<QmpClient> {
    return QmpClient.connect(this.spec.qmpSocket);
  }

  /** Continues a VM stopped by `save`. */
  async resume(): Promise<void> {
    const qmp = await QmpClient.connect(this.spec.qmpSocket);
    try {
      await qmp.execute('cont');
    } finally {
      qmp.close();
    }
  }

  /**
   * Kills QEMU if it still runs and closes the channel, but keeps the RAM files until destroy():
   * a failed cell's dump reads the scheduler's BPF maps from the powered-off guest's memory
   * (core/src/failure-dump/). The process-exit teardown still removes them.
   */
  async halt(): Promise<string> {
    const log = this.consoleLog();
    this.channel.close();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    return log;
  }

  /**
   * Kills QEMU if it still runs and removes every file it had. Idempotent. The end of the killed
   * process (the kernel freeing its memory: 20–60 ms on a loaded 2-core host) is not waited for:
   * SIGKILL stopped the guest, nothing reads this VM's RAM again, and its files go now (an
   * unlinked file's pages are freed with the last mapping). `exited` still resolves when it ends.
   */
  async destroy(): Promise<string> {
    const log = this.consoleLog();
    this.channel.close();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      markCell('QEMU killed');
      await this.removeFiles();
      markCell('QEMU files removed');
    }
    this.dispose();
    return log;
  }

  private async removeFiles(): Promise<void> {
    await Promise.all([...this.ramFiles, this.workDir].map((f) => rm(f, { recursive: true, force: true }).catch(() => undefined)));
  }
}

/** A restore prepared ahead of need: QEMU is up and paused, waiting for its device state. */
export interface PreparedRestore {
  readonly alive: boolean;
  /** Loads the device state and continues the guest; once. */
  restore(): Promise<QemuVm>;
  /** Kills the waiting QEMU and removes its files. */
  discard(): Promise<void>;
  /** Gives the waiting QEMU to another process (QemuVm.adoptPrepared); this one keeps only its teardown. */
  handOver(): SpareHandover;
}

/** What another process needs to finish a prepared restore (JSON over the keeper's socket). */
export interface SpareHandover {
  pid: number;
  spec: MachineSpec;
  workDir: string;
  accel: AccelChoice;
  /** The device state is loaded (the guest only needs `cont`). */
  stateLoaded?: boolean;
}

/**
 * A handed-over QEMU as this process sees it: not its child, so its exit is noticed by polling
 * /proc (the keeper reaps it at once), and it is killed by pid.
 */
async function adoptHandover(h: SpareHandover): Promise<Launched> {
  const { pid, spec, workDir } = h;
  const gone = () => !isAlive(pid);
  let alive = !gone();
  const child = Object.assign(new EventEmitter(), {
    pid, exitCode: null as number | null, signalCode: null as NodeJS.Signals | null, stderr: null,
    kill: (sig: NodeJS.Signals = 'SIGTERM') => {
      try {
        process.kill(pid, sig);
        // Its end is due within milliseconds: looked for more often than the slow poll does, so a
        // cell's teardown does not wait up to 20 ms to see it.
        fast ??= setInterval(check, 2);
        return true;
      } catch {
        return false;
      }
    },
    ref: () => poll.ref(), unref: () => poll.unref(),
  });
  const exited = new Promise<VmExit>((resolve) => child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal })));
  let fast: NodeJS.Timeout | undefined;
  let ended = false;
  const check = () => {
    if (ended || !gone()) return;
    ended = true;
    clearInterval(poll);
    if (fast) clearInterval(fast);
    alive = false;
    child.signalCode = 'SIGKILL';
    child.emit('exit', null, 'SIGKILL');
  };
  // Not our child (the keeper's, which reaps it at once): no exit event to wait for, so /proc is polled.
  const poll = setInterval(check, 20);
  const dispose = registerTeardown(() => {
    child.kill('SIGKILL');
    for (let n = 0; n < spec.topology.numaNodes; n++) rmSync(ramFilePath(spec, n), { force: true });
    rmSync(workDir, { recursive: true, force: true });
  });
  let channel: GuestChannel;
  try {
    channel = await GuestChannel.connect(spec.channelSocket, 5_000, () => alive);
  } catch (e) {
    dispose();
    clearInterval(poll);
    throw new Error(`the handed-over QEMU (pid ${pid}) could not be reached: ${(e as Error).message}`);
  }
  void exited.then(() => channel.close('QEMU exited'));
  return {
    child: child as unknown as ChildProcess, spec, workDir, channel, exited, accel: h.accel, dispose,
    startedAt: performance.now(), stderr: () => '', alive: () => alive,
  };
}

interface Launched {
  child: ChildProcess;
  spec: MachineSpec;
  workDir: string;
  channel: GuestChannel;
  exited: Promise<VmExit>;
  accel: AccelChoice;
  dispose: () => void;
  startedAt: number;
  stderr: () => string;
  alive: () => boolean;
}

/**
 * Starts QEMU for a cold boot, or (with `restore`) on copies of the saved RAM files waiting for
 * an incoming migration, and connects the guest channel.
 */
async function launch(request: VmRequest, restore: SavedVm | undefined): Promise<Launched> {
  reapStaleVmFiles();
  if (!existsSync(request.kernel)) {
    throw new KtstrError('kernel', request.kernel, 'does not exist', 'Run `ktstr kernel fetch` or pass --kernel with a valid path.');
  }
  checkRamSpace(SHM_DIR, nodeMemoryMiB(request) * request.topology.numaNodes * 2 ** 20);
  const accel = accelFor(request.arch);
  // Named with our pid, so the files of a SIGKILLed run can be told from live ones and reaped.
  const workDir = mkdtempSync(join(tmpdir(), `${VM_DIR_PREFIX}${process.pid}-`));
  const id = `${process.pid}-${++vmCounter}-${Date.now().toString(36)}`;
  let initrdPath: string;
  if (Buffer.isBuffer(request.initrd)) {
    initrdPath = join(workDir, 'initrd.img');
    writeFileSync(initrdPath, request.initrd);
  } else {
    initrdPath = request.initrd.path;
  }
  const spec: MachineSpec = {
    ...request,
    initrd: initrdPath,
    accel: accel.accel,
    ramPathPrefix: join(SHM_DIR, `${RAM_FILE_PREFIX}${id}`),
    incoming: restore !== undefined,
    consoleLog: join(workDir, 'console.log'),
    channelSocket: join(workDir, 'ktstr.sock'),
    qmpSocket: join(workDir, 'qmp.sock'),
  };
  const startedAt = performance.now();
  // One teardown for everything this VM leaves outside the process, registered before any of it
  // exists, so an interruption at any step below removes what was made so far.
  let child: ChildProcess | undefined;
  const dispose = registerTeardown(() => {
    if (child && child.exitCode === null && child.signalCode === null) {
      try {
        // SIGKILL takes effect before QEMU runs another instruction, so its files can go right
        // away; waiting for the exit here would block on a zombie only the event loop can reap.
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    for (let n = 0; n < spec.topology.numaNodes; n++) rmSync(ramFilePath(spec, n), { force: true });
    rmSync(workDir, { recursive: true, force: true });
  });
  // A restore runs on copies: the saved RAM stays pristine for the next cell. (Filling the copy
  // while QEMU starts was tried and measured no faster on 2 cores; keep it simple.)
  // Not blocking: a spare is launched while the previous cell's VM goes, whose exit this process
  // must be free to see.
  try {
    if (restore) await Promise.all(restore.ramFiles.map((file, n) => copySparseAsync(file, ramFilePath(spec, n))));
  } catch (e) {
    dispose();
    throw new Error(`copying the snapshot's RAM failed: ${(e as Error).message}`);
  }
  // setpriv --pdeathsig: if this process is SIGKILLed (no handler can run), the kernel kills QEMU too.
  // taskset: the VM runs on the run's CPU budget, this process beside it (host/process-pinning.ts).
  const pin = vmCpus();
  const launcher = pin ? ['taskset', '--cpu-list', formatCpulist(pin), 'setpriv'] : ['setpriv'];
  const qemu = spawn(launcher[0]!, [...launcher.slice(1), '--pdeathsig', 'SIGKILL', '--', qemuBinaryFor(request.arch), ...qemuArgs(spec)], {
    stdio: spec.console === 'terminal' ? ['inherit', 'inherit', 'pipe'] : ['ignore', 'ignore', 'pipe'],
  });
  child = qemu;
  let stderr = '';
  qemu.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += d.toString();
  });
  const exited = new Promise<VmExit>((resolve) => {
    qemu.once('exit', (code, signal) => resolve({ code, signal }));
    qemu.once('error', () => resolve({ code: null, signal: null }));
  });
  let alive = true;
  void exited.then(() => {
    alive = false;
  });
  let channel: GuestChannel;
  try {
    channel = await GuestChannel.connect(spec.channelSocket, 10_000, () => alive);
  } catch (e) {
    await Promise.race([exited, sleep(100)]);
    dispose();
    throw new Error(`QEMU did not start: ${(e as Error).message}${qemuSaid(stderr)}`);
  }
  void exited.then(() => channel.close('QEMU exited'));
  return { child: qemu, spec, workDir, channel, exited, accel, dispose, startedAt, stderr: () => stderr, alive: () => alive };
}

/** Every thread of process `pid` onto `cpus` (a thread that ends meanwhile is skipped). */
function pinProcessThreads(pid: number, cpus: readonly number[]): void {
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      setAffinity(Number(tid), [...cpus]);
    } catch {
      // the thread is gone
    }
  }
}

/**
 * cp of a RAM file, dying with this process like QEMU does (setpriv --pdeathsig): a copy under way
 * when its owner exits would otherwise go on writing into a file the exit teardown has unlinked,
 * holding tmpfs space nobody can see (and forever, if that cp is stopped or stuck).
 */
const CP_SPARSE = ['setpriv', '--pdeathsig', 'SIGKILL', '--', 'cp', '--sparse=always'] as const;

/** A copy that keeps holes holes: guest RAM is mostly untouched, so this is fast and small. */
export function copySparse(from: string, to: string): void {
  const r = spawnSync(CP_SPARSE[0], [...CP_SPARSE.slice(1), from, to], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cp --sparse=always ${from} ${to} failed: ${r.stderr.trim() || r.error?.message}`);
}

/** copySparse without blocking the event loop. */
export function copySparseAsync(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(CP_SPARSE[0], [...CP_SPARSE.slice(1), from, to], { encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`cp --sparse=always ${from} ${to} failed: ${stderr.trim() || error.message}`));
      else resolve();
    });
  });
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}
