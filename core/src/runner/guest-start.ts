/**
 * How a cell's guest comes up, ready for its cell: restored from the post-boot snapshot for its
 * key (the default: about half a second instead of a 5–8 s TCG boot), or cold-booted. The first
 * cell of a key cold-boots, saves the snapshot at the agent's hello (before any scheduler is
 * loaded), and then simply continues; later cells restore a copy of it. Anything that goes wrong
 * with snapshots falls back to a cold boot and says why, once per reason.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KtstrError } from '../errors.js';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { QemuVm, type VmRequest } from '../vm/qemu-backend.js';
import { accelFor, qemuBinaryFor } from '../vm/guest-arch.js';
import type { HelloMessage } from '../channel/messages.js';
import { snapshotKey } from '../snapshot/snapshot-key.js';
import { commitSnapshot, discardSnapshot, loadSnapshot, stagingDir } from '../snapshot/snapshot-store.js';
import { withLock } from '../locks/index.js';
import { appendCellEvent } from '../stats/run-results.js';
import { isHostShortage } from '../vm/ram-space.js';
import { vmEndReason } from './vm-end-reason.js';
import { locksDir } from '../paths.js';
import { topologyLabel } from '../topology/topology.js';
import { prepareSpare as prepareSpareVm, takeSpare } from './spare-vm.js';
import type { SavedVm } from '../vm/qemu-backend.js';
import { boundSnapshotStore } from '../snapshot/store-bound.js';

export interface StartedGuest {
  vm: QemuVm;
  hello: HelloMessage;
  /** Host wall time from the start request to a guest ready for its cell. */
  bootMs: number;
  how: 'restored' | 'cold' | 'cold, snapshot saved' | 'restored, scheduler attached';
}

export interface GuestStartOptions {
  name: string;
  request: VmRequest;
  baseImageKey: string;
  bootTimeoutMs: number;
  /** Boot attempts for failures before the agent started (see CellVm). */
  coldBoot: (request: VmRequest) => Promise<{ vm: QemuVm; hello: HelloMessage }>;
  /**
   * Prepare a spare QEMU for the next cell of this post-boot key (default true). False when the
   * cell is about to make a post-attach snapshot: the next cell restores that one instead.
   */
  spare?: boolean;
}

const said = new Set<string>();
/**
 * Once per line: to stderr, and to the run's event file, where `ktstr test` shows it (node's test
 * runner keeps a test file's stderr in its report, which a passing run deletes: a discarded
 * snapshot went unsaid).
 */
function sayOnce(line: string): void {
  if (said.has(line)) return;
  said.add(line);
  process.stderr.write(`ktstr: ${line}\n`);
  appendCellEvent(process.env.KTSTR_RESULTS, { event: 'log', message: line, pid: process.pid });
}

export { sayOnce };

export function snapshotsDisabledReason(): string | undefined {
  if (process.env.KTSTR_COLD_BOOT === '1') return 'KTSTR_COLD_BOOT=1 (--cold-boot)';
  return undefined;
}

/** The post-boot snapshot key of a request (see snapshot-key.ts). */
export function postBootKey(request: VmRequest, baseImageKey: string): string {
  return snapshotKey({
    qemuBinary: qemuBinaryFor(request.arch),
    accel: accelFor(request.arch).accel,
    kernel: request.kernel,
    topology: request.topology,
    memoryMiB: request.memoryMiB,
    baseImageKey,
    kaslr: request.kaslr,
    la57: request.la57,
  });
}

/** Cuts the store back to its size limit after a new entry, saying what went. */
export function boundStoreAfter(key: string): void {
  try {
    const removed = boundSnapshotStore(undefined, [key]);
    if (removed.length) {
      process.stderr.write(`ktstr: snapshot store over its limit: removed ${removed.length} least recently used `
        + `(${removed.map((r) => `${r.kind} ${r.key.slice(0, 8)}`).join(', ')}; KTSTR_SNAPSHOT_STORE_MAX sets the limit)\n`);
    }
  } catch (e) {
    sayOnce(`could not bound the snapshot store (${(e as Error).message.split('\n')[0]})`);
  }
}

export async function startGuest(o: GuestStartOptions): Promise<StartedGuest> {
  const t0 = performance.now();
  if (!existsSync(o.request.kernel)) {
    throw new KtstrError('kernel', o.request.kernel, 'does not exist', 'Run `ktstr kernel fetch` or pass --kernel with a valid path.');
  }
  const disabled = snapshotsDisabledReason();
  if (disabled) {
    sayOnce(`cold boots: ${disabled}`);
    return { ...(await o.coldBoot(o.request)), bootMs: performance.now() - t0, how: 'cold' };
  }
  const key = postBootKey(o.request, o.baseImageKey);
  const prepareSpare = (k: string, r: VmRequest, saved: SavedVm) => {
    if (o.spare !== false) prepareSpareVm(k, r, saved);
  };
  const found = loadSnapshot(key);
  if (found.discarded) sayOnce(`snapshot ${key} discarded (${found.discarded}); rebuilding it`);
  if (found.snapshot) {
    try {
      const saved = found.snapshot.saved;
      const prepared = (await takeSpare(key, o.request, saved)) ?? (await QemuVm.prepareRestore(o.request, saved));
      const vm = await prepared.restore();
      await pingOrDestroy(vm);
      prepareSpare(key, o.request, saved);
      return { vm, hello: found.snapshot.meta.hello, bootMs: performance.now() - t0, how: 'restored' };
    } catch (e) {
      // Out of RAM space on the host: the snapshot is fine, and a cold boot would fail the same way.
      if (isHostShortage(e)) throw e;
      discardSnapshot(key);
      sayOnce(`snapshot ${key} did not restore (${(e as Error).message.split('\n')[0]}); discarded, cold-booting`);
      return { ...(await o.coldBoot(o.request)), bootMs: performance.now() - t0, how: 'cold' };
    }
  }
  // No snapshot yet: one process makes it while the others wait, then restore from it.
  return withLock(join(locksDir(), `snapshot-${key}.lock`), { mode: 'exclusive', wait: true, timeoutMs: 10 * 60_000, purpose: `snapshot ${topologyLabel(o.request.topology)}` }, async () => {
    const again = loadSnapshot(key).snapshot;
    if (again) {
      const vm = await QemuVm.start(o.request, again.saved);
      await pingOrDestroy(vm);
      prepareSpare(key, o.request, again.saved);
      return { vm, hello: again.meta.hello, bootMs: performance.now() - t0, how: 'restored' as const };
    }
    const cold = await o.coldBoot(o.request);
    const coldBootMs = performance.now() - t0;
    const staging = stagingDir();
    try {
      const saved = await cold.vm.save(staging);
      commitSnapshot(staging, saved, {
        key,
        kernel: o.request.kernel,
        topology: topologyLabel(o.request.topology),
        hello: cold.hello,
        coldBootMs,
        kind: 'post-boot',
      });
      boundStoreAfter(key);
    } catch (e) {
      discardSnapshot(staging.slice(staging.lastIndexOf('/') + 1));
      sayOnce(`could not save a snapshot (${(e as Error).message.split('\n')[0]}); this cell continues from its cold boot`);
    }
    await cold.vm.resume();
    const committed = loadSnapshot(key).snapshot;
    if (committed) prepareSpare(key, o.request, committed.saved);
    return { vm: cold.vm, hello: cold.hello, bootMs: coldBootMs, how: 'cold, snapshot saved' as const };
  });
}

/**
 * The ping of a restore; a guest that does not answer is torn down here (it would otherwise run
 * until the process exits), and the error says what ended it (QEMU's signal, a guest panic).
 */
export async function pingOrDestroy(vm: QemuVm): Promise<void> {
  try {
    await pingGuest(vm, 15_000);
  } catch (e) {
    const ended = vm.channel.isClosed ? await vm.waitForExit(500) : undefined;
    const log = await vm.destroy();
    if (e instanceof Error) e.message += vmEndReason(ended, log);
    throw e;
  }
}

/** The restored agent answers a ping: proof it runs and reads its channel. */
export async function pingGuest(vm: QemuVm, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  const token = randomBytes(8).toString('hex');
  vm.channel.send('ping', token);
  const m = await vm.channel.waitFor('pong', timeoutMs);
  if (m.type !== 'pong' || m.token !== token) throw new Error(`the guest answered the ping with ${JSON.stringify(m)}`);
  return performance.now() - t0;
}
