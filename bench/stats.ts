/**
 * bench/stats: the run store and `ktstr stats compare` at gauntlet scale. Two generated runs
 * of 10,000 cells with 20 metrics each (the 12 judged ones and 8 more the store carries
 * unjudged) are written to a temporary runs directory, then compared the way the CLI does:
 * both cells.parquet read back, sides selected, every pair judged. ROUNDS rounds each; medians
 * are printed with their ratio to the targets: writing a run < 1 s, comparing two < 2 s.
 *
 * A run is written three ways. As `ktstr test` stores it: each cell's test process wrote its
 * detail file into the run's staging directory as the cell ended (done here before the clock
 * starts), and the store writes the records (results.json), the table and run.json and renames
 * the directory. From records alone, as `ktstr stats merge` of results files does. And as
 * `ktstr stats merge` of stored runs does: every cell's detail file hard-linked from the input
 * run at store time (creating 10,000 files instead would take seconds on a slow disk). The
 * process's CPU time is printed beside the wall time, and the load average: on a shared 2-core
 * machine the wall time says as much about the neighbours as about the code.
 *
 * The cells are replicas, three of each cell as `ktstr test --repeat 3` makes them (3,334 pairs),
 * so the noise gate runs at scale too: a Welch test per judged metric of each pair, and
 * Benjamini–Hochberg over all of them. KTSTR_BENCH_REPLICAS=1 measures without it.
 *
 *   node --import tsx bench/stats.ts       (KTSTR_BENCH_ROUNDS=3, KTSTR_BENCH_CELLS=10000,
 *                                            KTSTR_BENCH_REPLICAS=3 by default)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeCellExtras, type CellExtras } from '../core/src/stats/cell-detail.js';
import {
  METRIC_KEYS, compareCells, startRun, readRunCells, resolveThresholds, selectSides, storeRun, storedCellOf, writeCellsParquet, type CellRecord, type RunResults,
} from '@ktstr/core';

const rounds = Number(process.env.KTSTR_BENCH_ROUNDS ?? 3);
const cellCount = Number(process.env.KTSTR_BENCH_CELLS ?? 10_000);
const replicas = Number(process.env.KTSTR_BENCH_REPLICAS ?? 3);
const EXTRA = Array.from({ length: 8 }, (_, i) => `extraMetric${i + 1}`);

/** A deterministic pseudo-random stream, so every round writes the same runs. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function generate(seed: number, kernel: string): RunResults {
  const r = rng(seed);
  const cells: CellRecord[] = [];
  for (let i = 0; i < cellCount; i++) {
    const metrics: Record<string, number | null> = {};
    for (const k of [...METRIC_KEYS, ...EXTRA]) metrics[k] = k === 'p99WakeLatencyUs' && i % 3 === 0 ? null : Math.round(r() * 10_000) / 10;
    const base = Math.floor(i / replicas);
    const replica = (i % replicas) + 1;
    const test = `test ${Math.floor(base / 25)}`;
    const preset = `preset-${base % 25}`;
    cells.push({
      name: `${test}/${preset}/${kernel}${replica > 1 ? `#${replica}` : ''}`, test, preset, kernel, scheduler: 'scx-bench', topology: '1n2l2c1t',
      ...(replicas > 1 ? { replica } : {}),
      status: i % 50 === 0 ? 'failed' : 'passed', durationMs: 5000 + Math.round(r() * 1000), finishedAt: '2026-12-01T00:00:00Z',
      schedulerHash: 'c0ffee'.padEnd(64, '0'), schedulerArgs: ['--slice-us=5000'],
      metrics: { run: metrics as unknown as NonNullable<CellRecord['metrics']>['run'], cgroups: {}, steps: [] },
    });
  }
  return { version: 1, startedAt: '2026-12-01T00:00:00Z', finishedAt: '2026-12-01T01:00:00Z', shards: ['1/1'], cells };
}

/** A cell's detail as a test process writes it: a short timeline and four workers' results. */
const DETAIL = {
  accel: 'tcg',
  timeline: Array.from({ length: 6 }, (_, i) => ({ tMs: i * 500, kind: i % 2 ? 'step_end' : 'step_start', step: Math.floor(i / 2), name: 'run' })),
  workers: Array.from({ length: 4 }, (_, i) => ({ cgroup: 'a', index: i, pid: 100 + i, iterations: 12_345, runDelayUs: 812, migrations: 3, cpus: [0, 1] })),
} as unknown as CellExtras;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const runsDir = mkdtempSync(join(tmpdir(), 'ktstr-bench-stats-'));
try {
  const a = generate(1, '7.2.13');
  const b = generate(2, '7.3.1');
  const writes: number[] = [];
  const writesFromRecords: number[] = [];
  const writesMerged: number[] = [];
  const compares: number[] = [];
  const writeCpu: number[] = [];
  const tableOnly: number[] = [];
  const compareCpu: number[] = [];
  const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
  let summary = '';
  for (let round = 0; round < rounds; round++) {
    // The cells' test processes wrote their detail while the run went.
    const staging = startRun(runsDir);
    for (const c of a.cells) writeCellExtras(staging, c.name, DETAIL);
    let t = performance.now();
    let u = process.cpuUsage();
    const ra = await storeRun({ runsDir, results: a, commit: 'bench', source: 'test', staging });
    writes.push(performance.now() - t);
    writeCpu.push(cpuMs(process.cpuUsage(u)));
    t = performance.now();
    const fromRecords = await storeRun({ runsDir, results: a, commit: 'bench', source: 'merge' });
    writesFromRecords.push(performance.now() - t);
    rmSync(fromRecords.dir, { recursive: true });
    t = performance.now();
    const merged = await storeRun({ runsDir, results: a, commit: 'bench', source: 'merge', detailDirs: [ra.dir] });
    writesMerged.push(performance.now() - t);
    rmSync(merged.dir, { recursive: true });
    // The table alone: what writing the records and run.json and renaming cost is the rest.
    t = performance.now();
    await writeCellsParquet(join(runsDir, 'table-only.parquet'), a.cells.map((r) => storedCellOf(r, 'x', 'bench')));
    tableOnly.push(performance.now() - t);
    const rb = await storeRun({ runsDir, results: b, commit: 'bench', source: 'test' });
    t = performance.now();
    u = process.cpuUsage();
    const runs = [{ id: ra.id, cells: await readRunCells(ra.dir) }, { id: rb.id, cells: await readRunCells(rb.dir) }];
    const sides = selectSides(runs, { shared: {}, a: {}, b: {} });
    const c = compareCells(sides.a, sides.b, resolveThresholds());
    compares.push(performance.now() - t);
    compareCpu.push(cpuMs(process.cpuUsage(u)));
    const tests = c.pairs.reduce((n, p) => n + p.metrics.filter((m) => m.pValue !== null).length, 0);
    summary = `${c.pairs.length} pairs of ${replicas} replica(s), ${tests} noise-gate tests, ${c.regressions} regressions (${c.withinNoise} held back as noise), `
      + `${c.a.failed + c.b.failed} failed cells left out, comparing ${c.differing.join(', ')}`;
    rmSync(ra.dir, { recursive: true });
    rmSync(rb.dir, { recursive: true });
  }
  const w = median(writes);
  const c = median(compares);
  process.stdout.write(`cells ${cellCount} x ${METRIC_KEYS.length + EXTRA.length} metrics, ${rounds} round(s); ${summary}; load average ${loadavg()[0]!.toFixed(1)}\n`);
  process.stdout.write(`write one run as ktstr test stores it (records, parquet; the ${cellCount} cell files the cells wrote stay): median ${w.toFixed(0)} ms (CPU ${median(writeCpu).toFixed(0)} ms), target 1000 ms, ratio ${(w / 1000).toFixed(2)}\n`);
  process.stdout.write(`  of which cells.parquet alone: median ${median(tableOnly).toFixed(0)} ms\n`);
  process.stdout.write(`write one run from records alone, as stats merge of results files does: median ${median(writesFromRecords).toFixed(0)} ms\n`);
  process.stdout.write(`write one run as stats merge of stored runs does (${cellCount} cell files linked): median ${median(writesMerged).toFixed(0)} ms\n`);
  process.stdout.write(`compare two runs (read both, pair, judge): median ${c.toFixed(0)} ms (CPU ${median(compareCpu).toFixed(0)} ms), target 2000 ms, ratio ${(c / 2000).toFixed(2)}\n`);
} finally {
  rmSync(runsDir, { recursive: true, force: true });
}
