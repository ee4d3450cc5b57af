// The RAM directory filled to a few MiB of free space while the first cell starts (on the
// soak's private tmpfs, KTSTR_SHM_DIR, never the shared /dev/shm): the cell must fail naming
// the lack of space, the snapshot must survive (the host's shortage is not the snapshot's
// fault), and once space is back the next cell passes.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { type Fault, type FaultOutcome, faultDuringCell } from '../fault.js';
import { snapshotEntries } from './between-runs.js';
import { FAULTED_CELL } from '../soak-env.js';

const FREE_MIB = 4;

export const shmFull: Fault = {
  kind: 'shm-full',
  summary: `the RAM directory (a private tmpfs) filled to ${FREE_MIB} MiB free while a cell starts`,
  unavailable: (env) => (env.privateShm ? undefined : 'no private tmpfs could be mounted for the RAM directory'),
  run: async (ctx) => {
    const filler = join(ctx.env.shm, 'soak-filler');
    const before = snapshotEntries(ctx.env.cache);
    try {
      // The run's events, to free the space the moment the faulted cell ends (the next cell of
      // the same process starts right after it; the runner's progress line comes too late).
      const events = join(ctx.env.scratch, `events-${Date.now()}.jsonl`);
      const out: FaultOutcome = await faultDuringCell(ctx, {
        names: /space|ENOSPC|SIGBUS|Bus error|memory/i,
        // If it started before the space came back, the next cell meets the same full tmpfs.
        nextMayFail: /KTSTR_SHM_DIR: has \d+ MiB free/,
        extraEnv: { KTSTR_EVENTS: events },
        afterGuestUp: false,
        delayMs: [0, 1500],
        inject: (run) => {
          const s = statfsSync(ctx.env.shm);
          const freeMiB = Math.floor((s.bavail * s.bsize) / 2 ** 20);
          spawnSync('fallocate', ['-l', `${Math.max(0, freeMiB - FREE_MIB)}M`, filler]);
          // Space comes back once the first cell has ended, for the next one.
          const poll = setInterval(() => {
            let ended = false;
            try {
              ended = readFileSync(events, 'utf8').includes(`"event":"end","name":"${FAULTED_CELL}/`);
            } catch {
              // not written yet
            }
            if (ended || /\[1\/\d+\]/.test(run.stderr())) {
              clearInterval(poll);
              rmSync(filler, { force: true });
            }
          }, 10);
          void run.ended.then(() => clearInterval(poll));
          return `filled to ${FREE_MIB} MiB free (from ${freeMiB} MiB)`;
        },
      });
      // Filled after the faulted cell's VM had its RAM: the fault lands on the next cell instead,
      // which must then fail naming the space (the faulted cell rightly passed).
      if (out.verdict === 'passed' && out.next === 'failed') {
        const ok = out.nextReason !== undefined && /KTSTR_SHM_DIR: has \d+ MiB free/.test(out.nextReason);
        out.verdict = 'passed, next cell hit';
        out.reason = `the space ran out after the cell's VM started; the next cell: ${out.nextReason ?? 'no reason'}`;
        out.ok = ok;
      }
      const lost = before.filter((e) => !snapshotEntries(ctx.env.cache).includes(e));
      if (lost.length) {
        return { ...out, ok: false, reason: `${out.reason} — and ${lost.length} snapshot(s) were discarded for the host's lack of space` };
      }
      return out;
    } finally {
      rmSync(filler, { force: true });
    }
  },
};
