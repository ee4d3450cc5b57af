/**
 * The run store: every `ktstr test` run (and every `ktstr stats merge`) becomes a directory
 * `<runs>/<time>-<id>/` holding
 *
 *   run.json       when, which shards, the project's commit, how many cells
 *   results.json   every cell's record, with per-cgroup and per-step metrics (run-results.ts)
 *   cells.parquet  one row per cell: identity, status, duration, whole-run metrics (stored-cell.ts)
 *   cells/*.json   per cell that ran: its timeline, workers, scheduler exit, monitor readings
 *
 * A run is assembled in `<runs>/.tmp-*` and renamed into place whole, so a reader (another
 * `ktstr stats`, a concurrent clean) sees a complete run or none. Runs sort by name, which
 * starts with the UTC time. Polars is imported on first use: it is large, and test processes
 * import @ktstr/core without needing it.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { KtstrError } from '../errors.js';
import { cellFileName, writeJsonAtomic, type CellExtras } from './cell-detail.js';
import { HOST_METRIC_KEYS, METRIC_KEYS, metricDefault } from './metric-defaults.js';
import type { CellRecord, RunResults } from './run-results.js';
import type { StoredCell } from './stored-cell.js';

export interface RunMeta {
  version: 1;
  /** The directory's name: `<UTC time>-<random id>`. */
  id: string;
  startedAt: string;
  finishedAt: string;
  shards: string[];
  commit: string | null;
  cells: number;
  passed: number;
  failed: number;
  skipped: number;
  /** `test`, or `merge` of other runs and results files. */
  source: 'test' | 'merge';
  /** Test files that failed to load in this run. */
  errors?: { file: string; message: string }[];
}

export const RUN_META = 'run.json';
export const CELLS_PARQUET = 'cells.parquet';
export const RUN_RESULTS = 'results.json';

/** `--runs-dir`, else KTSTR_RUNS_DIR, else `.ktstr/runs` under the project directory. */
export function runsDirFrom(flag: string | undefined, projectDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(projectDir, flag ?? (env.KTSTR_RUNS_DIR || join('.ktstr', 'runs')));
}

export function newRunId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${t}-${randomBytes(3).toString('hex')}`;
}

/** A fresh staging directory under the runs directory; test processes write cell detail into it. */
export function startRun(runsDir: string): string {
  mkdirSync(runsDir, { recursive: true });
  return mkdtempSync(join(runsDir, '.tmp-'));
}

const str = (v: unknown): string | null => (v === undefined || v === null ? null : String(v));

/** The base cell name of a record: without the `#N` a replica N >= 2 carries. */
export function cellNameOf(r: CellRecord): string {
  const suffix = r.replica && r.replica > 1 ? `#${r.replica}` : '';
  return suffix && r.name.endsWith(suffix) ? r.name.slice(0, -suffix.length) : r.name;
}

/** The Parquet row of a record; `file` is its cell's detail file, null when it has none. */
export function storedCellOf(r: CellRecord, run: string, commit: string | null, file: string | null = cellFileName(r.name)): StoredCell {
  const metrics: Record<string, number | null> = {};
  // The host monitor's numbers sit beside the run's (metrics.monitor) when it read any; both
  // are whole-run metrics, so both become columns.
  const monitor = (r.metrics as { monitor?: Record<string, unknown> } | undefined)?.monitor ?? {};
  // The host's numbers (metrics.host) likewise; its acceleration is a text column of its own.
  const host = (r.metrics as { host?: Record<string, unknown> } | undefined)?.host ?? {};
  const hostNumbers = HOST_METRIC_KEYS.filter((k) => k in host).map((k) => [k, host[k]] as const);
  for (const [k, v] of [...Object.entries(r.metrics?.run ?? {}), ...Object.entries(monitor), ...hostNumbers]) metrics[k] = typeof v === 'number' && Number.isFinite(v) ? v : null;
  const accel = host.accel === 'kvm' || host.accel === 'tcg' ? host.accel : null;
  return {
    run, name: r.name, cell: cellNameOf(r), test: r.test, preset: r.preset, topology: r.topology, kernel: r.kernel, scheduler: r.scheduler,
    schedulerHash: r.schedulerHash ?? null, schedulerArgs: JSON.stringify(r.schedulerArgs ?? []), scenario: r.scenario ?? null,
    replica: r.replica ?? 1, status: r.status, reason: r.reason ?? null, durationMs: r.durationMs, commit, detail: file === null ? null : `cells/${file}`, accel, metrics,
  };
}

const METRIC_PREFIXES = ['run.', 'monitor.', 'host.'];

/** `run.worstGapMs`; the host monitor's metrics as `monitor.maxDsqDepth`, the host's as `host.vmCpuMs`: where the record keeps them. */
export function metricColumn(key: string): string {
  if (HOST_METRIC_KEYS.includes(key)) return `host.${key}`;
  return metricDefault(key)?.monitor ? `monitor.${key}` : `run.${key}`;
}

const TEXT_COLUMNS = ['run', 'name', 'cell', 'test', 'preset', 'topology', 'kernel', 'scheduler', 'schedulerHash', 'schedulerArgs', 'scenario', 'status', 'reason', 'commit', 'detail', 'accel'] as const;

/** Metric columns: the known metrics first (in their table's order), then any other the cells carry. */
function metricKeys(rows: readonly StoredCell[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.metrics)) seen.add(k);
  return [...METRIC_KEYS.filter((k) => seen.has(k)), ...[...seen].filter((k) => !METRIC_KEYS.includes(k)).sort()];
}

export async function writeCellsParquet(path: string, rows: readonly StoredCell[]): Promise<void> {
  const { default: pl } = await import('nodejs-polars');
  // Typed series: a column of nulls only (no cell blocked, so no wake latency) must still be a
  // number column, or the file's schema would change with the workload.
  const [utf8, f64] = [pl.Utf8, pl.Float64];
  const series = [
    ...TEXT_COLUMNS.map((c) => pl.Series(c, rows.map((r) => r[c]), utf8)),
    pl.Series('replica', rows.map((r) => r.replica), pl.Int32),
    pl.Series('durationMs', rows.map((r) => r.durationMs), f64),
    ...metricKeys(rows).map((k) => pl.Series(metricColumn(k), rows.map((r) => r.metrics[k] ?? null), f64)),
  ];
  const tmp = `${path}.${process.pid}.tmp`;
  pl.DataFrame(series).writeParquet(tmp);
  renameSync(tmp, path);
}

export async function readCellsParquet(path: string): Promise<StoredCell[]> {
  const { default: pl } = await import('nodejs-polars');
  const df = pl.readParquet(path);
  const cols = Object.fromEntries(df.columns.map((c) => [c, df.getColumn(c).toArray() as unknown[]]));
  const metricCols = df.columns.filter((c) => METRIC_PREFIXES.some((p) => c.startsWith(p)));
  const out: StoredCell[] = [];
  const height = df.height; // a call into polars each time it is read
  for (let i = 0; i < height; i++) {
    const metrics: Record<string, number | null> = {};
    for (const c of metricCols) {
      const v = cols[c]![i];
      metrics[c.slice(c.indexOf('.') + 1)] = typeof v === 'number' ? v : null;
    }
    const t = (c: string) => str(cols[c]?.[i]);
    out.push({
      run: t('run') ?? '', name: t('name') ?? '', cell: t('cell') ?? '', test: t('test') ?? '', preset: t('preset') ?? '', topology: t('topology') ?? '',
      kernel: t('kernel') ?? '', scheduler: t('scheduler') ?? '', schedulerHash: t('schedulerHash'), schedulerArgs: t('schedulerArgs') ?? '[]',
      scenario: t('scenario'), replica: Number(cols.replica?.[i] ?? 1), status: (t('status') ?? 'failed') as StoredCell['status'], reason: t('reason'),
      durationMs: Number(cols.durationMs?.[i] ?? 0), commit: t('commit'), detail: t('detail'),
      // Runs stored before the column existed: not known.
      accel: t('accel') === 'kvm' || t('accel') === 'tcg' ? (t('accel') as 'kvm' | 'tcg') : null, metrics,
    });
  }
  return out;
}

export interface StoreRunOptions {
  runsDir: string;
  results: RunResults & { errors?: { file: string; message: string }[] };
  commit: string | null;
  source: RunMeta['source'];
  /** The staging directory from startRun, holding the test processes' cell detail; a new one when absent. */
  staging?: string;
  /** Where else cell detail may be found (`stats merge` of stored runs): the run directories of the inputs. */
  detailDirs?: readonly string[];
  now?: Date;
  /** The run's id, when the caller named files inside the run's directory before storing it (newRunId). */
  id?: string;
}

/**
 * Writes the run's directory and returns its path. The records go into one file (results.json),
 * not into each cell's file: the test processes already wrote the cells' detail where it stays,
 * and reading back and rewriting 10,000 small files was most of the cost of storing a gauntlet.
 */
export async function storeRun(o: StoreRunOptions): Promise<{ dir: string; id: string }> {
  const staging = o.staging ?? startRun(o.runsDir);
  try {
    const id = o.id ?? newRunId(o.now);
    const { results } = o;
    const cellsDir = join(staging, 'cells');
    mkdirSync(cellsDir, { recursive: true });
    // One listing instead of a lookup per cell: a gauntlet has thousands.
    const written = new Set(readdirSync(cellsDir));
    // `stats merge` of stored runs: a cell's detail is in one of the input runs.
    const sources = (o.detailDirs ?? []).map(detailSourceOf);
    const files = results.cells.map((r) => cellFileName(r.name));
    for (const file of files) {
      if (!written.has(file) && sources.some((s) => placeDetailFrom(s, file, join(cellsDir, file)))) written.add(file);
    }
    const { errors: _errors, ...document } = results;
    writeFileSync(join(staging, RUN_RESULTS), `${JSON.stringify(document)}\n`);
    await writeCellsParquet(join(staging, CELLS_PARQUET), results.cells.map((r, i) => storedCellOf(r, id, o.commit, written.has(files[i]!) ? files[i] : null)));
    const n = (s: string) => results.cells.filter((c) => c.status === s).length;
    const meta: RunMeta = {
      version: 1, id, startedAt: results.startedAt, finishedAt: results.finishedAt, shards: results.shards, commit: o.commit,
      cells: results.cells.length, passed: n('passed'), failed: n('failed'), skipped: n('skipped'), source: o.source,
      ...(results.errors?.length ? { errors: results.errors } : {}),
    };
    writeJsonAtomic(join(staging, RUN_META), meta);
    const dir = join(o.runsDir, id);
    renameSync(staging, dir);
    return { dir, id };
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

/** A stored run as the source of its cells' detail: which files it has, listed once, and its layout. */
interface DetailSource {
  cellsDir: string;
  files: ReadonlySet<string>;
  /** Stored with results.json: its cell files hold the detail alone. */
  detailOnly: boolean;
}

function detailSourceOf(runDir: string): DetailSource {
  const cellsDir = join(runDir, 'cells');
  return { cellsDir, files: new Set(existsSync(cellsDir) ? readdirSync(cellsDir) : []), detailOnly: existsSync(join(runDir, RUN_RESULTS)) };
}

/**
 * Puts a cell's detail file from a stored run at `to`; false when that run has none. A run's
 * files are never changed once stored, so the file is hard-linked, not copied: on a disk where
 * creating a file costs 0.1-0.4 ms, 10,000 copies take seconds and 10,000 links 0.15 s. Across
 * file systems it is copied. A run stored before results.json carries its record in the file
 * too: that file is rewritten with the detail alone, written in place without a temporary (the
 * whole run appears at once by its rename).
 */
function placeDetailFrom(source: DetailSource, file: string, to: string): boolean {
  if (!source.files.has(file)) return false;
  const from = join(source.cellsDir, file);
  if (source.detailOnly) {
    try {
      linkSync(from, to);
    } catch {
      copyFileSync(from, to);
    }
    return true;
  }
  let extras: CellExtras;
  try {
    extras = extrasWithoutRecord(JSON.parse(readFileSync(from, 'utf8')) as Record<string, unknown>);
  } catch {
    return false; // unreadable: that cell's detail is lost, not the merge
  }
  if (Object.keys(extras).length === 0) return false;
  writeFileSync(to, `${JSON.stringify(extras)}\n`);
  return true;
}

/** A cell file of a run stored before results.json carries the record's fields too; as detail only the large parts are taken. */
function extrasWithoutRecord(x: Record<string, unknown>): CellExtras {
  const { timeline, workers, schedulerExit, accel, monitor } = x as Record<string, unknown>;
  return Object.fromEntries(Object.entries({ timeline, workers, schedulerExit, accel, monitor }).filter(([, v]) => v !== undefined)) as CellExtras;
}

export function readRunMeta(dir: string): RunMeta {
  const p = join(dir, RUN_META);
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as RunMeta;
  } catch (e) {
    throw new KtstrError('run', dir, `has no readable ${RUN_META} (${(e as Error).message})`, 'Give a run directory written by `ktstr test` (`ktstr stats list` lists them).');
  }
}

/** Stored runs, oldest first. */
export function listRuns(runsDir: string): { dir: string; meta: RunMeta }[] {
  if (!existsSync(runsDir)) return [];
  return readdirSync(runsDir)
    .filter((n) => !n.startsWith('.') && existsSync(join(runsDir, n, RUN_META)))
    .sort()
    .map((n) => ({ dir: join(runsDir, n), meta: readRunMeta(join(runsDir, n)) }));
}

/** A run by `latest`, a path to its directory, its directory name, or the random id at its end (or a unique prefix of the name). */
export function resolveRun(runsDir: string, ref: string): string {
  if (ref.includes('/') || isAbsolute(ref) || ref === '.' || ref === '..') {
    const p = resolve(ref);
    if (existsSync(join(p, RUN_META))) return p;
    throw new KtstrError('RUN', ref, 'is not a run directory (no run.json in it)', 'Give a directory under the runs directory, a run id, or latest.');
  }
  const runs = listRuns(runsDir).map((r) => basename(r.dir));
  if (ref === 'latest') {
    if (runs.length === 0) throw new KtstrError('RUN', ref, `finds no run in ${runsDir}`, 'Run `ktstr test` first, or point --runs-dir at the runs.');
    return join(runsDir, runs.at(-1)!);
  }
  const exact = runs.filter((n) => n === ref || n.endsWith(`-${ref}`));
  const found = exact.length > 0 ? exact : runs.filter((n) => n.startsWith(ref));
  if (found.length === 1) return join(runsDir, found[0]!);
  if (found.length > 1) throw new KtstrError('RUN', ref, `matches ${found.length} runs (${found.slice(0, 4).join(', ')}${found.length > 4 ? ', ...' : ''})`, 'Give more of the name.');
  throw new KtstrError('RUN', ref, `is no run in ${runsDir}`, '`ktstr stats list` lists the runs; latest names the newest.');
}

export async function readRunCells(dir: string): Promise<StoredCell[]> {
  const p = join(dir, CELLS_PARQUET);
  if (!existsSync(p)) throw new KtstrError('run', dir, `has no ${CELLS_PARQUET}`, 'Give a run directory written by `ktstr test` or `ktstr stats merge`.');
  return readCellsParquet(p);
}

/** A stored run as a results document (the input `ktstr stats merge` takes, and the report's records). */
export function readRunResults(dir: string): RunResults {
  const meta = readRunMeta(dir);
  const document = join(dir, RUN_RESULTS);
  if (existsSync(document)) {
    const { cells } = JSON.parse(readFileSync(document, 'utf8')) as RunResults;
    return { version: 1, startedAt: meta.startedAt, finishedAt: meta.finishedAt, shards: meta.shards, cells };
  }
  // A run stored before results.json: each cell's record is in its file, beside the detail.
  const cellsDir = join(dir, 'cells');
  const cells = existsSync(cellsDir)
    ? readdirSync(cellsDir).filter((f) => f.endsWith('.json')).map((f) => {
      const { timeline: _t, workers: _w, schedulerExit: _s, accel: _a, monitor: _m, ...record } = JSON.parse(readFileSync(join(cellsDir, f), 'utf8')) as CellRecord & Record<string, unknown>;
      return record as CellRecord;
    })
    : [];
  return { version: 1, startedAt: meta.startedAt, finishedAt: meta.finishedAt, shards: meta.shards, cells };
}

/** Staging directories older than this are leftovers of a killed run. */
const STALE_STAGING_MS = 24 * 3600_000;

/** Keeps the newest `keep` runs; removes the others and stale staging directories. Returns what was removed. */
export function cleanRuns(runsDir: string, keep: number, now = Date.now()): string[] {
  if (!Number.isInteger(keep) || keep < 0) throw new KtstrError('--keep', keep, 'must be a whole number >= 0', 'E.g. --keep 10.');
  if (!existsSync(runsDir)) return [];
  const runs = listRuns(runsDir).map((r) => r.dir);
  const removed = runs.slice(0, Math.max(0, runs.length - keep));
  for (const n of readdirSync(runsDir)) {
    const p = join(runsDir, n);
    if (n.startsWith('.tmp-') && now - statSync(p).mtimeMs > STALE_STAGING_MS) removed.push(p);
  }
  for (const d of removed) rmSync(d, { recursive: true, force: true });
  return removed;
}
