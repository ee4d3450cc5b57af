/**
 * How a scheduler cell's guest comes up with its scheduler already attached. Loading a sched_ext
 * scheduler runs the BPF verifier, which under TCG takes 0.8–1.7 s, the same work for every cell
 * of the same scheduler launch on the same booted guest. So the first such cell starts its guest
 * as usual (post-boot snapshot or cold boot), sends the scheduler and its files, asks the agent
 * to attach it before the cell (an 'A' frame), and once the agent says `attached` saves the VM: a
 * *post-attach snapshot* (docs/snapshots.md). Later cells with the same post-attach key restore
 * it and send only their scenario.
 *
 * Only a clean attach makes one: a scheduler that fails to load, is rejected by the verifier or
 * times out answers the 'A' frame with `sched_exit` (or `error`), nothing is saved, and the cell
 * reports that failure exactly as a cell that loaded it with its scenario. A restore that goes
 * wrong discards the snapshot, says why, and the cell attaches for real.
 */
import { performance } from 'node:perf_hooks';
import { QemuVm, type VmRequest } from '../vm/qemu-backend.js';
import type { AttachedMessage, GuestMessage } from '../channel/messages.js';
import { encodePutFile, encodeSymlink } from '../channel/framing.js';
import { encodeAttachRequest } from '../scenario/encode.js';
import type { PayloadEntry } from '../initramfs/cell-payload.js';
import { attachSnapshotKey } from '../snapshot/attach-key.js';
import { commitSnapshot, discardSnapshot, loadSnapshot, stagingDir } from '../snapshot/snapshot-store.js';
import { isHostShortage } from '../vm/ram-space.js';
import { vmEndReason } from './vm-end-reason.js';
import { topologyLabel } from '../topology/topology.js';
import { coverageDir } from '../coverage/guest-coverage.js';
import { boundStoreAfter, type GuestStartOptions, pingOrDestroy, postBootKey, sayOnce, snapshotsDisabledReason, startGuest, type StartedGuest } from './guest-start.js';
import { prepareSpare, takeSpare } from './spare-vm.js';
import { markCell } from '../vm/cell-timeline.js';

export const ATTACH_SNAPSHOT_ENV = 'KTSTR_ATTACH_SNAPSHOT';

export interface AttachStartOptions extends Omit<GuestStartOptions, 'spare'> {
  /** Files and symlinks the scheduler needs, sent before the attach request. */
  payload: readonly PayloadEntry[];
  launch: { guestPath: string; args: readonly string[] };
  schedTimeoutMs: number;
  /** The scheduler's config file, written before it starts. */
  config?: { guestPath: string; content: Buffer };
  /** For `ktstr cache snapshots list`: the scheduler's name and arguments. */
  schedulerLabel: string;
}

export interface AttachStarted extends StartedGuest {
  /**
   * The agent's `attached` answer: the scheduler runs and the agent waits for the scenario.
   * Absent when the attach failed: the channel holds the `sched_exit` or `error` and `done`.
   */
  attached?: AttachedMessage;
  /** The post-attach key (for tests and benchmarks). */
  attachKey: string;
}

/** Why cells of this run load their scheduler for real, or undefined when post-attach snapshots are used. */
export function attachSnapshotDisabledReason(o: { freshAttach?: boolean }): string | undefined {
  const noSnapshots = snapshotsDisabledReason();
  if (noSnapshots) return noSnapshots;
  if (process.env[ATTACH_SNAPSHOT_ENV] === '0') return `${ATTACH_SNAPSHOT_ENV}=0`;
  if (coverageDir()) return 'a coverage run measures the scheduler\'s own load';
  if (o.freshAttach) return 'the test says freshAttach: true';
  return undefined;
}

export async function startAttached(o: AttachStartOptions): Promise<AttachStarted> {
  const t0 = performance.now();
  const baseKey = postBootKey(o.request, o.baseImageKey);
  const key = attachSnapshotKey({ postBootKey: baseKey, launch: o.launch, payload: o.payload, config: o.config });
  const found = loadSnapshot(key);
  if (found.discarded) sayOnce(`post-attach snapshot ${key} discarded (${found.discarded}); the scheduler attaches for real`);
  const snap = found.snapshot;
  if (snap && snap.meta.kind === 'post-attach' && snap.meta.attached) {
    try {
      const spare = await takeSpare(key, o.request, snap.saved);
      markCell(spare ? 'spare QEMU taken' : 'no spare');
      const prepared = spare ?? (await QemuVm.prepareRestore(o.request, snap.saved));
      const vm = await prepared.restore();
      await pingOrDestroy(vm);
      markCell('ping answered');
      prepareSpare(key, o.request, snap.saved);
      return { vm, hello: snap.meta.hello, attached: snap.meta.attached, bootMs: performance.now() - t0, how: 'restored, scheduler attached', attachKey: key };
    } catch (e) {
      // Out of RAM space on the host: the snapshot is fine, and attaching for real would fail the same way.
      if (isHostShortage(e)) throw e;
      discardSnapshot(key);
      sayOnce(`post-attach snapshot ${key} did not restore (${(e as Error).message.split('\n')[0]}); discarded, the scheduler attaches for real`);
    }
  }

  const started = await startGuest({ ...o, spare: false });
  const { vm } = started;
  try {
    for (const e of o.payload) {
      if (e.kind === 'file') vm.channel.send('file', encodePutFile(e.guestPath, e.mode, e.content));
      else vm.channel.send('symlink', encodeSymlink(e.guestPath, e.target));
    }
    if (o.config) vm.channel.send('file', encodePutFile(o.config.guestPath, 0o644, o.config.content));
    vm.channel.send('attach', encodeAttachRequest({ scheduler: o.launch, schedTimeoutMs: o.schedTimeoutMs }));
    const first = await vm.channel.waitFor('attached', o.schedTimeoutMs + 30_000, ['sched_exit', 'done', 'error']) as GuestMessage;
    if (first.type !== 'attached') return { ...started, bootMs: performance.now() - t0, attachKey: key };
    await saveAttached(vm, key, baseKey, o, started, first);
    return { ...started, attached: first, bootMs: performance.now() - t0, attachKey: key };
  } catch (e) {
    // What ended the VM, if it ended (e.g. "the guest kernel panicked: Attempted to kill init").
    const ended = vm.channel.isClosed ? await vm.waitForExit(500) : undefined;
    const log = await vm.destroy();
    if (e instanceof Error) e.message += vmEndReason(ended, log);
    throw e;
  }
}

/**
 * Saves the attached VM and continues it. A save that fails (another process made the same
 * snapshot at the same moment, the disk is full) is no error: this cell goes on, and a later
 * one tries again.
 */
async function saveAttached(vm: QemuVm, key: string, baseKey: string, o: AttachStartOptions, started: StartedGuest, attached: AttachedMessage): Promise<void> {
  const staging = stagingDir();
  try {
    const saved = await vm.save(staging);
    commitSnapshot(staging, saved, {
      key,
      kernel: o.request.kernel,
      topology: topologyLabel(o.request.topology),
      hello: started.hello,
      coldBootMs: started.bootMs,
      kind: 'post-attach',
      scheduler: o.schedulerLabel,
      attached,
      baseKey,
    });
    boundStoreAfter(key);
  } catch (e) {
    discardSnapshot(staging.slice(staging.lastIndexOf('/') + 1));
    sayOnce(`could not save a post-attach snapshot (${(e as Error).message.split('\n')[0]}); this cell continues`);
  }
  await vm.resume();
  const committed = loadSnapshot(key).snapshot;
  if (committed) prepareSpare(key, o.request, committed.saved);
}
