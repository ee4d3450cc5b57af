/**
 * The private world one soak runs in, so its faults hurt no other run on a shared host: a
 * scratch directory that is the runs' TMPDIR (their VM directories land there), a cache of its
 * own (snapshots, locks, initramfs; the kernel is given by path), a small tmpfs of its own as
 * the RAM directory (KTSTR_SHM_DIR) so it can be filled, a copy of the fixture scheduler that a
 * fault may delete, and the static agent killer. Everything goes at `close()`.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureDir, KtstrError, resolveKernel, type ResolvedKernel } from '@ktstr/core';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const soakCellsFile = join(repoRoot, 'test/soak/cells/soak-cells.ktstr.ts');
/** The cell every fault aims at, and the one after it in the same run. */
export const FAULTED_CELL = 'soak scx-ktstr';
export const NEXT_CELL = 'soak eevdf';

export interface SoakEnv {
  mark: string;
  scratch: string;
  tmp: string;
  cache: string;
  shm: string;
  /** Whether `shm` is a tmpfs of our own (mounted), so it can be filled. */
  privateShm: boolean;
  scheduler: string;
  /** The fixture scheduler the copy is restored from. */
  schedulerOriginal: string;
  agentKiller: string | undefined;
  /** Why the agent killer could not be built, when it could not. */
  agentKillerMissing?: string;
  kernel: ResolvedKernel;
  holdMs: number;
  /** The environment of every run: the mark, the private paths, the kernel by path. */
  runEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  close(): void;
}

export async function openSoakEnv(o: { holdMs: number; shmMiB: number }): Promise<SoakEnv> {
  // Checked before anything is made: a clone that was never set up has no fixture yet.
  const schedulerOriginal = join(fixtureDir(), 'scx-ktstr');
  if (!existsSync(schedulerOriginal)) {
    throw new KtstrError('fixture scheduler', schedulerOriginal, 'is not built, and the soak\'s cells run it',
      '`npm run soak` builds it (it runs the bootstrap first); or run `node scripts/bootstrap.mjs` once, then test/soak/main.ts.');
  }
  const scratch = mkdtempSync(join(tmpdir(), 'ktstr-soak-'));
  const mark = scratch.slice(scratch.lastIndexOf('-') + 1);
  const tmp = join(scratch, 'tmp');
  const cache = join(scratch, 'cache');
  const shm = join(scratch, 'shm');
  let privateShm = false;
  const close = () => {
    if (privateShm) spawnSync('umount', ['-l', shm]);
    spawnSync('umount', ['-l', cache]); // a read-only bind a crash left behind (no-op otherwise)
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    for (const d of [tmp, cache, shm]) mkdirSync(d);
    // A tmpfs of our own: filling it (the shm-full fault) must not starve other runs' VMs.
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${o.shmMiB}m,mode=1777`, 'ktstr-soak-shm', shm], { encoding: 'utf8' });
    privateShm = mounted.status === 0;
    if (!privateShm) process.stderr.write(`soak: no private tmpfs (${mounted.stderr.trim() || mounted.error?.message}); RAM files go to ${shm} on disk and the shm-full fault is skipped\n`);
    const scheduler = join(scratch, 'scx-ktstr');
    copyFileSync(schedulerOriginal, scheduler);
    const agentKiller = join(scratch, 'kill-agent');
    const built = spawnSync('gcc', ['-static', '-O2', '-o', agentKiller, join(import.meta.dirname, 'faults/kill-agent.c')], { encoding: 'utf8' });
    const kernel = await resolveKernel(process.env.KTSTR_KERNEL);
    return {
      mark, scratch, tmp, cache, shm, privateShm, scheduler, schedulerOriginal, kernel, holdMs: o.holdMs,
      agentKiller: built.status === 0 ? agentKiller : undefined,
      agentKillerMissing: built.status === 0 ? undefined : `gcc -static could not build faults/kill-agent.c: ${built.stderr.trim() || built.error?.message}`,
      runEnv: (extra = {}) => ({
        ...process.env,
        KTSTR_SOAK_MARK: mark,
        TMPDIR: tmp,
        KTSTR_CACHE_DIR: cache,
        KTSTR_SHM_DIR: shm,
        KTSTR_RUNS_DIR: join(scratch, 'runs'),
        KTSTR_KERNEL: kernel.vmlinuz,
        KTSTR_SOAK_SCHEDULER: scheduler,
        KTSTR_SOAK_HOLD_MS: String(o.holdMs),
        // The spare keepers' trace: what one was doing when it outlived its run (soak.ts prints it).
        KTSTR_TRACE_KEEPER: join(scratch, 'keeper.trace'),
        ...extra,
      }),
      close,
    };
  } catch (e) {
    // Nothing of a soak that never started stays: not the scratch directory, not its tmpfs.
    close();
    throw e;
  }
}

/** Puts the scheduler copy back (a fault deleted or replaced it). */
export function restoreScheduler(env: SoakEnv): void {
  if (!existsSync(env.scheduler)) copyFileSync(env.schedulerOriginal, env.scheduler);
}
