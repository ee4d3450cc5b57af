import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { cleanRuns, listRuns, readCellsParquet, readRunCells, readRunMeta, readRunResults, resolveRun, runsDirFrom, startRun, storeRun } from './run-store.js';
import { iterationsPerVmCpuS } from './cell-metrics-record.js';
import { cellFileName, writeCellExtras } from './cell-detail.js';
import type { CellRecord, RunResults } from './run-results.js';

// Every directory a test makes, removed when the file's tests are done.
const made: string[] = [];
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

const metrics = { worstSpread: 0.1, worstGapMs: 12.5, totalMigrations: 3, worstMigrationRatio: 0.01, maxImbalanceRatio: 1.1, p99WakeLatencyUs: null, meanRunDelayUs: 40, totalIterations: 1234 };
const rec = (name: string, o: Partial<CellRecord> = {}): CellRecord => ({
  name, test: name.split('/')[0]!, preset: 'tiny-2llc', kernel: '7.2', scheduler: 'scx', topology: '1n2l2c1t', status: 'passed', durationMs: 900,
  finishedAt: '2026-12-01T00:00:00Z', schedulerHash: 'ab'.repeat(32), schedulerArgs: ['--slice-us=5'],
  metrics: { run: metrics, cgroups: { a: metrics }, steps: [{ name: 's', metrics, cgroups: {} }] }, ...o,
});
const results = (cells: CellRecord[]): RunResults => ({ version: 1, startedAt: '2026-12-01T00:00:00Z', finishedAt: '2026-12-01T00:01:00Z', shards: ['1/1'], cells });

test('a stored run reads back: parquet rows with flattened metrics, records in results.json, the detail files as the cells wrote them', async () => {
  const runs = tempDir('ktstr-runs-');
  const staging = startRun(runs);
  writeCellExtras(staging, 'x/tiny-2llc/7.2#2', { timeline: [], workers: [], schedulerExit: null, accel: 'tcg' });
  const cells = [rec('x/tiny-2llc/7.2'), rec('x/tiny-2llc/7.2#2', { replica: 2 }), rec('y/tiny-2llc/7.2', { status: 'skipped', reason: 'host', metrics: undefined, durationMs: 0 })];
  const { dir, id } = await storeRun({ runsDir: runs, staging, results: results(cells), commit: 'abc-dirty', source: 'test' });
  assert.equal(basename(dir), id);
  assert.match(id, /^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
  assert.ok(!existsSync(staging), 'the staging directory became the run');
  const rows = await readRunCells(dir);
  assert.equal(rows.length, 3);
  const r2 = rows.find((r) => r.replica === 2)!;
  assert.equal(r2.cell, 'x/tiny-2llc/7.2');
  assert.equal(r2.commit, 'abc-dirty');
  assert.equal(r2.schedulerArgs, '["--slice-us=5"]');
  assert.deepEqual(r2.metrics, { ...metrics });
  assert.equal(rows.find((r) => r.test === 'y')!.metrics.worstGapMs, null);
  assert.equal(rows.find((r) => r.test === 'y')!.reason, 'host');
  const detail = JSON.parse(readFileSync(join(dir, r2.detail!), 'utf8'));
  assert.deepEqual(detail, { timeline: [], workers: [], schedulerExit: null, accel: 'tcg' });
  // A cell whose test process wrote no detail (skipped, or not run) names no file.
  assert.equal(rows.find((r) => r.test === 'y')!.detail, null);
  assert.equal(rows.find((r) => r.name === 'x/tiny-2llc/7.2')!.detail, null);
  assert.deepEqual(readdirSync(join(dir, 'cells')), [cellFileName('x/tiny-2llc/7.2#2')]);
  const meta = readRunMeta(dir);
  assert.deepEqual([meta.cells, meta.passed, meta.skipped, meta.commit, meta.source], [3, 2, 1, 'abc-dirty', 'test']);
  const back = readRunResults(dir);
  assert.deepEqual(back.cells.map((c) => c.name).sort(), cells.map((c) => c.name).sort());
  assert.equal(back.cells.find((c) => c.replica === 2)!.schedulerHash, 'ab'.repeat(32));
  assert.ok(!('timeline' in back.cells.find((c) => c.replica === 2)!));
  assert.deepEqual(back.cells.find((c) => c.replica === 2)!.metrics!.cgroups.a, metrics);
});

test('a run stored before results.json (each record in its cell file) still reads back as results', async () => {
  const runs = tempDir('ktstr-runs-');
  const { dir } = await storeRun({ runsDir: runs, results: results([]), commit: null, source: 'test' });
  rmSync(join(dir, 'results.json'));
  writeFileSync(join(dir, 'cells', cellFileName('old/p/k')), JSON.stringify({ ...rec('old/p/k'), timeline: [], workers: [], accel: 'tcg' }));
  const back = readRunResults(dir);
  assert.deepEqual(back.cells.map((c) => [c.name, c.schedulerHash, 'timeline' in c, 'accel' in c]), [['old/p/k', 'ab'.repeat(32), false, false]]);
});

test('an empty run and runs without metrics still write a readable table', async () => {
  const runs = tempDir('ktstr-runs-');
  const { dir } = await storeRun({ runsDir: runs, results: results([]), commit: null, source: 'merge' });
  assert.deepEqual(await readRunCells(dir), []);
  const { dir: d2 } = await storeRun({ runsDir: runs, results: results([rec('z/p/k', { status: 'failed', metrics: undefined })]), commit: null, source: 'test' });
  assert.equal((await readRunCells(d2))[0]!.status, 'failed');
});

test('runs resolve by latest, id, name prefix or path; clean keeps the newest N', async () => {
  const runs = tempDir('ktstr-runs-');
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push((await storeRun({ runsDir: runs, results: results([rec(`t${i}/p/k`)]), commit: null, source: 'test', now: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) })).id);
  assert.deepEqual(listRuns(runs).map((r) => r.meta.id), ids);
  assert.equal(basename(resolveRun(runs, 'latest')), ids[3]);
  assert.equal(basename(resolveRun(runs, ids[1]!.split('-')[1]!)), ids[1]);
  assert.equal(basename(resolveRun(runs, ids[2]!)), ids[2]);
  assert.equal(resolveRun(runs, join(runs, ids[0]!)), join(runs, ids[0]!));
  assert.throws(() => resolveRun(runs, '20260101T'), /matches 4 runs/);
  assert.throws(() => resolveRun(runs, 'nope'), /RUN: is no run in .*ktstr stats list/);
  const stale = join(runs, '.tmp-old');
  mkdirSync(stale);
  utimesSync(stale, new Date(0), new Date(0));
  mkdirSync(join(runs, '.tmp-live'));
  const removed = cleanRuns(runs, 2);
  assert.deepEqual(removed.map((d) => basename(d)).sort(), [ids[0], ids[1], '.tmp-old'].sort());
  assert.deepEqual(listRuns(runs).map((r) => r.meta.id), ids.slice(2));
  assert.ok(readdirSync(runs).includes('.tmp-live'), 'a run being written is left alone');
  assert.deepEqual(cleanRuns(runs, 5), []);
  assert.throws(() => cleanRuns(runs, -1), /--keep: must be a whole number >= 0/);
  const empty = mkdtempSync(join(tmpdir(), 'ktstr-none-'));
  try {
    assert.throws(() => resolveRun(empty, 'latest'), /finds no run/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('the runs directory: flag, then KTSTR_RUNS_DIR, then .ktstr/runs in the project', () => {
  assert.equal(runsDirFrom(undefined, '/p', {}), '/p/.ktstr/runs');
  assert.equal(runsDirFrom(undefined, '/p', { KTSTR_RUNS_DIR: 'r' }), '/p/r');
  assert.equal(runsDirFrom('/x', '/p', { KTSTR_RUNS_DIR: 'r' }), '/x');
  assert.notEqual(cellFileName('a/b'), cellFileName('a_b'));
});

test('a merge of stored runs keeps each cell\'s timeline and workers', async () => {
  const runs = tempDir('ktstr-runs-');
  const staging = startRun(runs);
  writeCellExtras(staging, 'x/p/k', { timeline: [], workers: [], schedulerExit: null, accel: 'kvm' });
  const first = await storeRun({ runsDir: runs, staging, results: results([rec('x/p/k')]), commit: null, source: 'test' });
  const merged = await storeRun({ runsDir: runs, results: readRunResults(first.dir), commit: null, source: 'merge', detailDirs: [first.dir] });
  const [row] = await readRunCells(merged.dir);
  assert.deepEqual(JSON.parse(readFileSync(join(merged.dir, row!.detail!), 'utf8')), { timeline: [], workers: [], schedulerExit: null, accel: 'kvm' });
  assert.deepEqual(readRunResults(merged.dir).cells.map((c) => c.name), ['x/p/k']);
  assert.equal(readRunMeta(merged.dir).source, 'merge');
  // The merged run's detail is its own: removing an input run (stats clean) leaves it whole.
  rmSync(first.dir, { recursive: true });
  assert.equal(JSON.parse(readFileSync(join(merged.dir, row!.detail!), 'utf8')).accel, 'kvm');
});

test('a merge of a run stored before results.json takes the detail alone from its cell files', async () => {
  const runs = tempDir('ktstr-runs-');
  const old = await storeRun({ runsDir: runs, results: results([]), commit: null, source: 'test' });
  rmSync(join(old.dir, 'results.json'));
  writeFileSync(join(old.dir, 'cells', cellFileName('old/p/k')), JSON.stringify({ ...rec('old/p/k'), timeline: [], workers: [], accel: 'tcg' }));
  const merged = await storeRun({ runsDir: runs, results: readRunResults(old.dir), commit: null, source: 'merge', detailDirs: [old.dir] });
  const [row] = await readRunCells(merged.dir);
  assert.deepEqual(JSON.parse(readFileSync(join(merged.dir, row!.detail!), 'utf8')), { timeline: [], workers: [], accel: 'tcg' });
  assert.equal(readRunResults(merged.dir).cells[0]!.schedulerHash, 'ab'.repeat(32));
});

test('monitor metrics, when a cell has them, are columns monitor.<key> and read back with the others', async () => {
  const runs = tempDir('ktstr-runs-');
  const withMonitor = rec('m/p/k');
  (withMonitor.metrics as unknown as { monitor: Record<string, number | null> }).monitor = { maxDsqDepth: 7, stallCount: 0, fallbackEvents: null, keepLastEvents: 2 };
  const { dir } = await storeRun({ runsDir: runs, results: results([withMonitor, rec('n/p/k')]), commit: null, source: 'test' });
  const { default: pl } = await import('nodejs-polars');
  const cols = pl.readParquet(join(dir, 'cells.parquet')).columns;
  assert.ok(cols.includes('monitor.maxDsqDepth') && cols.includes('run.worstGapMs'), cols.join(','));
  const rows = await readRunCells(dir);
  assert.equal(rows.find((r) => r.test === 'm')!.metrics.maxDsqDepth, 7);
  assert.equal(rows.find((r) => r.test === 'm')!.metrics.fallbackEvents, null);
  assert.equal(rows.find((r) => r.test === 'n')!.metrics.maxDsqDepth, null);
});

test('the host\'s numbers are columns host.<key> beside the acceleration; a run stored before them reads with accel null and no such metric', async () => {
  const runs = tempDir('ktstr-runs-');
  const measured = rec('h/p/k');
  (measured.metrics as unknown as { host: Record<string, unknown> }).host = { accel: 'tcg', vmCpuMs: 2000, iterationsPerVmCpuS: iterationsPerVmCpuS(metrics.totalIterations, 2000) };
  const { dir } = await storeRun({ runsDir: runs, results: results([measured, rec('n/p/k')]), commit: null, source: 'test' });
  const { default: pl } = await import('nodejs-polars');
  const cols = pl.readParquet(join(dir, 'cells.parquet')).columns;
  assert.ok(cols.includes('host.vmCpuMs') && cols.includes('host.iterationsPerVmCpuS') && cols.includes('accel'), cols.join(','));
  const rows = await readRunCells(dir);
  const h = rows.find((r) => r.test === 'h')!;
  assert.deepEqual([h.accel, h.metrics.vmCpuMs, h.metrics.iterationsPerVmCpuS], ['tcg', 2000, 617]);
  assert.equal(rows.find((r) => r.test === 'n')!.accel, null);
  // An older cells.parquet: the columns of before, nothing of the host's.
  const old = join(dir, 'old.parquet');
  pl.DataFrame([
    ...['run', 'name', 'cell', 'test', 'preset', 'topology', 'kernel', 'scheduler', 'schedulerArgs', 'status'].map((c) => pl.Series(c, ['x'], pl.Utf8)),
    pl.Series('replica', [1], pl.Int32), pl.Series('durationMs', [900], pl.Float64), pl.Series('run.totalIterations', [1234], pl.Float64),
  ]).writeParquet(old);
  const [o] = await readCellsParquet(old);
  assert.equal(o!.accel, null);
  assert.deepEqual(o!.metrics, { totalIterations: 1234 });
});

test('iterations per VM CPU second: none without CPU time', () => {
  assert.equal(iterationsPerVmCpuS(3000, 1500), 2000);
  assert.equal(iterationsPerVmCpuS(3000, 0), null);
});
