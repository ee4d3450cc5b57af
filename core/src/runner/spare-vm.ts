/**
 * One spare QEMU, launched ahead of need: after a cell restores from a snapshot, the next cell
 * with the same snapshot key is likely (a test file runs several cells on one topology), so a
 * restore is prepared for it (RAM copied, QEMU started and paused, channel and QMP connected),
 * launched when the cell's scenario has ended. The next restore then only loads the device state and continues the guest, which
 * takes about a tenth of a second instead of the ~0.3 s QEMU needs to start.
 *
 * Costs: one paused QEMU and one sparse RAM copy per process, and the CPU time to start it while
 * the previous cell begins (a cell waits for `spareSettled()` before its workload starts, so the
 * launch never overlaps a measurement). A spare nobody takes is killed at exit like any VM.
 * KTSTR_SPARE_VM=0 turns it off.
 */
import { QemuVm, type PreparedRestore, type SavedVm, type VmRequest } from '../vm/qemu-backend.js';
import { keeper, keeperDisabledReason, keeperIfRunning } from './spare-keeper-client.js';

interface Spare {
  key: string;
  ready: Promise<PreparedRestore | undefined>;
}

let spare: Spare | undefined;

/** How often a restore found its spare ready (benchmarks report it). */
export const spareCounters = { prepared: 0, taken: 0, adopted: 0 };

export function spareDisabledReason(request: VmRequest): string | undefined {
  if (process.env.KTSTR_SPARE_VM === '0') return 'KTSTR_SPARE_VM=0';
  if (request.console === 'terminal') return 'an interactive console runs one VM';
  return undefined;
}

/**
 * The prepared restore for `key`, if one is ready and alive: this process's own, else (inside a
 * node:test file, given the request) one handed over by the run's spare keeper. A spare of this
 * process for another key is discarded.
 */
export async function takeSpare(key: string, request?: VmRequest, saved?: SavedVm): Promise<PreparedRestore | undefined> {
  const own = await takeOwnSpare(key);
  if (own || !request || !saved || spareDisabledReason(request) || keeperDisabledReason(request)) return own;
  const k = await keeperIfRunning();
  const h = await k?.take(key, request, saved);
  if (!h) return undefined;
  try {
    const adopted = await QemuVm.adoptPrepared(h, saved);
    spareCounters.adopted++;
    return adopted;
  } catch (e) {
    process.stderr.write(`ktstr: a spare from the keeper could not be used (${(e as Error).message.split('\n')[0]}); starting QEMU here\n`);
    return undefined;
  }
}

async function takeOwnSpare(key: string): Promise<PreparedRestore | undefined> {
  const s = spare;
  spare = undefined;
  if (!s) return undefined;
  const prepared = await s.ready;
  if (!prepared) return undefined;
  if (s.key === key && prepared.alive) {
    spareCounters.taken++;
    return prepared;
  }
  await prepared.discard();
  return undefined;
}

/**
 * Asks for a restore of `saved` to be prepared for the next cell with `key` (replacing an older
 * spare): inside a node:test file, the run's spare keeper does it, so the next file's process
 * finds it too; elsewhere, this process. The launch waits until the current cell's scenario has
 * ended (launchDeferredSpare), so it overlaps that guest's power-off and the test's own work
 * instead of delaying the current cell's workload (which waits for no launch to be running).
 */
export function prepareSpare(key: string, request: VmRequest, saved: SavedVm): void {
  if (spareDisabledReason(request)) return;
  deferred = () => launchSpare(key, request, saved);
}

let deferred: (() => void) | undefined;

/** The current cell's scenario ended (or its VM is being destroyed): launch the spare it asked for. */
export function launchDeferredSpare(): void {
  const d = deferred;
  deferred = undefined;
  d?.();
}

function launchSpare(key: string, request: VmRequest, saved: SavedVm): void {
  if (!keeperDisabledReason(request)) {
    viaKeeper = keeper().then((k) => {
      if (k) k.prepare(key, request, saved);
      else prepareOwnSpare(key, request, saved);
    });
    return;
  }
  prepareOwnSpare(key, request, saved);
}

let viaKeeper: Promise<void> | undefined;

function prepareOwnSpare(key: string, request: VmRequest, saved: SavedVm): void {
  spareCounters.prepared++;
  const previous = spare;
  spare = {
    key,
    ready: (async () => {
      const old = await previous?.ready;
      await old?.discard();
      // A spare that cannot be made is no error: the next cell starts QEMU itself.
      return QemuVm.prepareRestore(request, saved).catch(() => undefined);
    })(),
  };
}

/** Resolves once no spare is being launched (here or by the keeper), so a cell's measurement never shares the CPU with it. */
export async function spareSettled(): Promise<void> {
  await spare?.ready;
  if (viaKeeper) {
    await viaKeeper;
    await (await keeper())?.settle();
  }
}

/** Kills the spare now (tests that count QEMU processes). */
export async function discardSpare(): Promise<void> {
  const s = spare;
  spare = undefined;
  await (await s?.ready)?.discard();
}
