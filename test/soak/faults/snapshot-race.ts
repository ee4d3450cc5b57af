// Two runs racing to make the same snapshot (none exists yet): both pass, one snapshot is made,
// and nothing of the loser's attempt is left.
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Fault, FaultOutcome } from '../fault.js';
import { NEXT_CELL } from '../soak-env.js';
import { startRun, verdictOf } from '../soak-run.js';
import { snapshotEntries } from './between-runs.js';

export const snapshotRace: Fault = {
  kind: 'snapshot-race',
  summary: 'two runs racing to create the same snapshot',
  run: async (ctx): Promise<FaultOutcome> => {
    for (const e of snapshotEntries(ctx.env.cache)) rmSync(e, { recursive: true, force: true });
    const lag = ctx.dice.int(0, 3000);
    const t0 = performance.now();
    const a = startRun(ctx.env, { filter: NEXT_CELL });
    await new Promise((r) => setTimeout(r, lag));
    const b = startRun(ctx.env, { filter: NEXT_CELL });
    const ends = await Promise.all([a.ended, b.ended]);
    const how = ends.map((e) => /guest up in [\d.]+ s, ([^(]+) \(/.exec(e.stderr)?.[1]?.trim() ?? verdictOf(e, NEXT_CELL)?.status ?? 'no verdict');
    const verdicts = ends.map((e) => verdictOf(e, NEXT_CELL)?.status ?? 'missing');
    // The EEVDF cell needs the post-boot snapshot only: exactly one entry.
    const made = snapshotEntries(ctx.env.cache).length === 1;
    return {
      verdict: verdicts.join(' + '),
      reason: `${how.join(' / ')}; ${made ? 'one snapshot' : `${snapshotEntries(ctx.env.cache).length} snapshots made`}`,
      ok: verdicts.every((v) => v === 'passed') && made && !ends.some((e) => e.hung),
      next: verdicts[1]!,
      recoveryMs: performance.now() - t0,
      at: `second run ${lag} ms after the first`,
    };
  },
};
