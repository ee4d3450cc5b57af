// The cache directory made read-only (a read-only bind mount over it; root ignores mode bits)
// for a whole run: the run must fail and say so, and once the cache is writable again the next
// run passes.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Fault, FaultOutcome } from '../fault.js';
import { FAULTED_CELL, NEXT_CELL } from '../soak-env.js';
import { startRun, verdictOf } from '../soak-run.js';

const mount = (...args: string[]) => spawnSync('mount', args, { encoding: 'utf8' });

export const cacheReadonly: Fault = {
  kind: 'cache-readonly',
  summary: 'the cache directory made read-only for a run',
  run: async (ctx): Promise<FaultOutcome> => {
    const cache = ctx.env.cache;
    const bound = mount('--bind', cache, cache);
    if (bound.status !== 0) return { verdict: 'skipped', reason: `cannot bind-mount: ${bound.stderr.trim()}`, ok: true, next: 'not run', recoveryMs: 0, at: 'nowhere' };
    const t0 = performance.now();
    let end;
    try {
      mount('-o', 'remount,bind,ro', cache);
      end = await startRun(ctx.env).ended;
    } finally {
      spawnSync('umount', [cache]);
    }
    const v = verdictOf(end, FAULTED_CELL);
    const said = [v?.reason ?? '', ...end.stderr.split('\n')].find((l) => /read-only|EROFS/i.test(l));
    const passed = v?.status === 'passed';
    // And once writable again, a run passes.
    const after = await startRun(ctx.env, { filter: NEXT_CELL }).ended;
    const next = verdictOf(after, NEXT_CELL)?.status ?? 'not run';
    return {
      verdict: end.hung ? 'hung' : v?.status ?? (end.cells ? 'missing' : `run exit ${end.code ?? end.signal}`),
      reason: said?.replace(/^ktstr: /, '').trim() ?? v?.reason ?? `read-only cache not named; the run said: ${end.stderr.trim().split('\n').slice(-3).join(' | ')}`,
      ok: !end.hung && !passed && said !== undefined && next === 'passed',
      next,
      recoveryMs: performance.now() - t0,
      at: 'cache read-only for the whole run',
    };
  },
};
