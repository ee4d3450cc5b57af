// Two `ktstr kernel fetch` runs racing to create the same kernel cache entry in a cache of their
// own, one of them SIGKILLed at a random point: the survivor ends with one whole entry, and the
// killed one's half-written download is gone once the survivor has held the lock.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, basename, dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Fault, FaultOutcome } from '../fault.js';
import { repoRoot, type SoakEnv } from '../soak-env.js';
import { signal } from './signals.js';

function fetchRun(env: SoakEnv, cache: string, release: string) {
  const child = spawn(process.execPath, [join(repoRoot, 'cli/bin/ktstr.js'), 'kernel', 'fetch', release], {
    cwd: env.scratch, env: { ...env.runEnv(), KTSTR_CACHE_DIR: cache, KTSTR_KERNEL: '' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((r) => child.on('close', (code, sig) => r({ code, signal: sig, out })));
  return { pid: child.pid!, ended };
}

export const kernelRace: Fault = {
  kind: 'kernel-race',
  summary: 'two kernel fetches racing for the same cache entry, one SIGKILLed mid-way',
  run: async (ctx): Promise<FaultOutcome> => {
    // The soak's kernel, fetched again into a cache of the race's own (its locks and entry dir).
    const release = basename(dirname(ctx.env.kernel.vmlinuz));
    const cache = join(ctx.env.cache, 'race');
    rmSync(join(cache, 'kernels'), { recursive: true, force: true });
    mkdirSync(cache, { recursive: true });
    const t0 = performance.now();
    const a = fetchRun(ctx.env, cache, release);
    const b = fetchRun(ctx.env, cache, release);
    const killAt = ctx.dice.int(0, 8000);
    const victim = ctx.dice.int(0, 1) === 0 ? a : b;
    const timer = setTimeout(() => signal(victim.pid, 'SIGKILL'), killAt);
    const [ea, eb] = await Promise.all([a.ended, b.ended]);
    clearTimeout(timer);
    const survivor = victim === a ? eb : ea;
    const killed = (victim === a ? ea : eb).signal === 'SIGKILL';
    return {
      verdict: `${killed ? 'killed' : 'finished before the kill'} + ${survivor.code === 0 ? 'fetched' : `failed (${survivor.code})`}`,
      reason: survivor.out.trim().split('\n').slice(-1)[0] ?? '',
      ok: survivor.code === 0,
      next: survivor.code === 0 ? 'passed' : 'failed',
      recoveryMs: performance.now() - t0,
      at: `one fetch SIGKILLed ${killAt} ms after both started`,
    };
  },
};
