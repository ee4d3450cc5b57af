/**
 * Faults that damage the cache between runs: the next run must notice, say what it found, and
 * still pass (a damaged snapshot is discarded and rebuilt by a cold boot; that repair is the
 * correct outcome, so here a pass whose output names the damage is the expected verdict).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FaultContext, FaultOutcome } from '../fault.js';
import { FAULTED_CELL, NEXT_CELL } from '../soak-env.js';
import { startRun, verdictOf } from '../soak-run.js';

/** The soak's snapshot entries (post-boot, and post-attach per scheduler), if made yet. */
export function snapshotEntries(cache: string): string[] {
  try {
    return readdirSync(join(cache, 'snapshots')).filter((n) => !n.startsWith('.')).map((n) => join(cache, 'snapshots', n));
  } catch {
    return [];
  }
}

export const snapshotEntry = (cache: string): string | undefined => snapshotEntries(cache)[0];

export async function faultBetweenRuns(ctx: FaultContext, damage: (entry: string) => string, names: RegExp): Promise<FaultOutcome> {
  let entry = snapshotEntry(ctx.env.cache);
  if (!entry) {
    // The first fault of a soak: make the snapshot first.
    await startRun(ctx.env, { filter: NEXT_CELL }).ended;
    entry = snapshotEntry(ctx.env.cache);
  }
  if (!entry) return { verdict: 'missing', reason: 'no snapshot was made to damage', ok: false, next: 'not run', recoveryMs: 0, at: 'nowhere' };
  // Every entry: a run may restore from any of them (each cell's scheduler has its own).
  const at = snapshotEntries(ctx.env.cache).map((e) => `${e.slice(e.lastIndexOf('/') + 1, e.lastIndexOf('/') + 9)}: ${damage(e)}`).join('; ');
  const t0 = performance.now();
  const end = await startRun(ctx.env).ended;
  const recoveryMs = performance.now() - t0;
  const v = verdictOf(end, FAULTED_CELL);
  const next = verdictOf(end, NEXT_CELL)?.status ?? 'not run';
  const said = end.stderr.split('\n').find((l) => names.test(l));
  if (end.hung) return { verdict: 'hung', reason: 'the run did not end within its deadline', ok: false, next, recoveryMs, at };
  const verdict = v?.status ?? 'missing';
  const reason = said?.replace(/^ktstr: /, '') ?? (v?.reason ? `not named in the output; the cell said: ${v.reason}` : 'the damage went unnoticed');
  return { verdict, reason, ok: verdict === 'passed' && said !== undefined && next === 'passed', next, recoveryMs, at };
}
