/**
 * bench/false-alarms: how often `ktstr stats compare` cries wolf. The example suite is run
 * RUNS times unchanged (`ktstr test examples --repeat 3`, each run stored in one scratch runs
 * directory), and every run is compared with the one before it at the default thresholds, as a
 * developer comparing "before" and "after" of a change that changed nothing would: RUNS − 1 A/A
 * comparisons. Target: 0 regressions flagged.
 *
 * Beside the count it prints, per metric, the largest relative move between two runs and the
 * largest spread of the replicas within one run, so a false alarm can be told from a threshold
 * that is simply tighter than this host's noise. The load average is printed too: on a shared
 * host neighbours, not the code, decide most of it, and so does each run's host contention (the
 * mean `hostWaitPercent` of its cells, how long QEMU waited for a host CPU).
 *
 * KTSTR_BENCH_LOADED_RUNS=4,5 makes those runs (1-based) share the host with one busy loop per
 * CPU, as a neighbour would: the compares into and out of them are where compare must say "not
 * judged" (exit 3) instead of flagging the host's load as a regression, and the compare between
 * the two loaded runs is judged at equal contention.
 *
 *   node --import tsx bench/false-alarms.ts          (KTSTR_BENCH_RUNS=11, KTSTR_BENCH_REPEAT=3,
 *                                                      KTSTR_BENCH_PATHS=examples by default)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Comparison } from '@ktstr/core';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'cli', 'dist', 'bin.js');
const runs = Number(process.env.KTSTR_BENCH_RUNS ?? 11);
const repeat = Number(process.env.KTSTR_BENCH_REPEAT ?? 3);
const paths = (process.env.KTSTR_BENCH_PATHS ?? 'examples').split(/\s+/).filter(Boolean);
const dir = mkdtempSync(join(tmpdir(), 'ktstr-false-alarms-'));
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
const loadedRuns = new Set((process.env.KTSTR_BENCH_LOADED_RUNS ?? '').split(',').filter(Boolean).map(Number));

/** One busy loop per CPU, as a neighbour on the host would be; stopped by the returned function. */
function hostLoad(): () => void {
  const loops: ChildProcess[] = Array.from({ length: availableParallelism() }, () => spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
  return () => loops.forEach((l) => l.kill('SIGKILL'));
}

function meanHostWait(runDir: string): string {
  const r = spawnSync(process.execPath, [cli, 'stats', 'show', runDir, '--json'], { cwd: root, encoding: 'utf8' });
  const cells = (JSON.parse(r.stdout) as { cells: { metrics: Record<string, number | null> }[] }).cells;
  const v = cells.map((c) => c.metrics.hostWaitPercent).filter((x): x is number => typeof x === 'number');
  return v.length ? `${(v.reduce((s, x) => s + x, 0) / v.length).toFixed(1)} %` : 'not measured';
}

try {
  const ids: string[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = Date.now();
    const stopLoad = loadedRuns.has(i + 1) ? hostLoad() : undefined;
    const r = spawnSync(process.execPath, [cli, 'test', ...paths, '--repeat', String(repeat), '--runs-dir', dir], { cwd: root, encoding: 'utf8' });
    stopLoad?.();
    const id = readdirSync(dir).filter((d) => !ids.includes(d)).sort().pop();
    if (r.status !== 0 || !id) throw new Error(`run ${i + 1} exited ${r.status}:\n${r.stderr.split('\n').slice(-15).join('\n')}`);
    ids.push(id);
    process.stderr.write(`run ${i + 1}/${runs}${stopLoad ? ' (with a busy loop per host CPU)' : ''}: ${id} in ${((Date.now() - t0) / 1000).toFixed(0)} s `
      + `(load ${load()}; QEMU waited for a host CPU ${meanHostWait(join(dir, id))} of the time it wanted one)\n`);
  }

  let flagged = 0;
  let flaggedByMeans = 0;
  let heldBack = 0;
  let contended = 0;
  let notJudged = 0;
  let comparisons = 0;
  const worstMove = new Map<string, number>();
  const worstSpread = new Map<string, number>();
  for (let i = 1; i < ids.length; i++) {
    const r = spawnSync(process.execPath, [cli, 'stats', 'compare', ids[i - 1]!, ids[i]!, '--runs-dir', dir, '--json'], { cwd: root, encoding: 'utf8' });
    if (r.status === 2 || !r.stdout) throw new Error(`compare ${ids[i - 1]} ${ids[i]} paired nothing: ${r.stderr}`);
    const c = JSON.parse(r.stdout) as Comparison;
    comparisons++;
    flagged += c.regressions;
    const meansOnly = spawnSync(process.execPath, [cli, 'stats', 'compare', ids[i - 1]!, ids[i]!, '--runs-dir', dir, '--json', '--no-noise-gate'], { cwd: root, encoding: 'utf8' });
    flaggedByMeans += (JSON.parse(meansOnly.stdout) as Comparison).regressions;
    heldBack += c.withinNoise;
    contended += c.contendedPairs;
    if (c.exitCode === 3) notJudged++;
    const names: string[] = [];
    for (const p of c.pairs) {
      for (const m of p.metrics) {
        if (m.verdict === 'regressed') names.push(`${p.label}: ${m.metric} ${m.relativePercent?.toFixed(0)} %`);
        if (m.relativePercent !== null) worstMove.set(m.metric, Math.max(worstMove.get(m.metric) ?? 0, Math.abs(m.relativePercent)));
        for (const [mean, spread] of [[m.a, m.aSpread], [m.b, m.bSpread]] as const) {
          if (mean) worstSpread.set(m.metric, Math.max(worstSpread.get(m.metric) ?? 0, (100 * spread) / Math.abs(mean)));
        }
      }
    }
    process.stderr.write(`compare ${i}: ${c.pairs.length} pairs, ${c.regressions} regression(s)${names.length ? `: ${names.join('; ')}` : ''}`
      + `${c.contendedPairs ? `; ${c.contendedPairs} pair(s) not judged (host contention), exit ${c.exitCode}` : ''}\n`);
  }

  console.log(`A/A of ${paths.join(' ')} with --repeat ${repeat}: ${comparisons} comparisons of unchanged runs at the default thresholds`);
  console.log(`  regressions flagged: ${flagged} (target 0); by the means alone (--no-noise-gate): ${flaggedByMeans}; changes past the thresholds held back by the noise gate (not told from the replicas' noise): ${heldBack}`);
  console.log(`  compares that said "not judged" (exit 3, host contention differed): ${notJudged}, with ${contended} pair(s) held${loadedRuns.size ? ` (runs ${[...loadedRuns].join(', ')} ran beside a busy loop per CPU)` : ''}`);
  console.log('  per metric: largest move between runs / largest replica spread within a run');
  for (const [metric, move] of [...worstMove].sort((a, b) => b[1] - a[1])) {
    console.log(`    ${metric.padEnd(24)} ${move.toFixed(1).padStart(6)} % / ${(worstSpread.get(metric) ?? 0).toFixed(1).padStart(6)} %`);
  }
  console.log(`  load average at the end: ${load()}`);
} finally {
  // KTSTR_BENCH_KEEP=1 keeps the runs, to compare them again with other thresholds or policies.
  if (process.env.KTSTR_BENCH_KEEP === '1') process.stderr.write(`runs kept in ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
}
