/**
 * `ktstr stats ...`: the run store (list, show, clean), comparisons of runs, and merging shard
 * results. Rendering only; the store, the pairing and the gates are in @ktstr/core
 * (core/src/stats/, docs/stats.md).
 */
import type { Sade } from 'sade';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import {
  FALSE_DISCOVERY_RATE, HOST_WAIT_TOLERANCE_POINTS, KtstrError, METRIC_DEFAULTS, cleanRuns, compareCells, listRuns, mergeRuns, projectCommit, readPolicyFile, readRunCells, readRunMeta,
  readRunResults, resolveRun, resolveThresholds, runsDirFrom, selectSides, storeRun, summarise, verdictMark,
  type Comparison, type RunResults, type StoredCell,
} from '@ktstr/core';
import { action, printJson, progress } from '../output.js';
import { failedTable } from '../progress.js';

interface StoreFlags {
  'runs-dir'?: string;
  json?: boolean;
}

const runsDirOf = (o: StoreFlags) => runsDirFrom(o['runs-dir'], process.cwd());
const shown = (dir: string) => relative(process.cwd(), dir) || dir;

/** Short column titles for the metrics, in the defaults' order. */
const TITLES: Record<string, string> = {
  worstSpread: 'spread', worstGapMs: 'gap ms', totalMigrations: 'migr', worstMigrationRatio: 'migr/slice', maxImbalanceRatio: 'imbal',
  p99WakeLatencyUs: 'p99 wake us', meanRunDelayUs: 'delay us', totalIterations: 'iterations', iterationsPerVmCpuS: 'iter/vm-cpu-s', maxDsqDepth: 'dsq depth',
  stallCount: 'stalls', fallbackEvents: 'fallback', keepLastEvents: 'keep-last',
};

export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  if (Number.isInteger(v)) return String(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 0.01) return v.toFixed(3);
  return v.toPrecision(2);
}

const signed = (v: number | null, unit = '') => (v === null ? '-' : `${v > 0 ? '+' : ''}${fmt(v)}${unit}`);

/** Columns rightFrom..rightTo-1 (the numbers) are right-aligned, the others left-aligned. */
function table(header: string[], rows: string[][], rightFrom = 1, rightTo = Infinity): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i < rightFrom || i >= rightTo ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

function readResultsInput(f: string): { source: string; results: RunResults; dir?: string } {
  // A stored run directory joins with its cells' detail; a file is a `ktstr test --json` document.
  if (existsSync(f) && statSync(f).isDirectory()) return { source: f, results: readRunResults(f), dir: f };
  try {
    return { source: f, results: JSON.parse(readFileSync(f, 'utf8')) as RunResults };
  } catch (e) {
    throw new KtstrError(f, 'results file', `cannot be read as JSON (${(e as Error).message})`, 'Give files written by `ktstr test --json`, or stored run directories.');
  }
}

function registerMerge(prog: Sade): void {
  prog
    .command('stats merge [files...]')
    .describe('Merge results of shards (`ktstr test --json` output or stored runs) into one run, stored and printed, with a summary.')
    .option('-o, --output', 'Write the merged results here (default: stdout)')
    .option('--runs-dir', 'Store the merged run here (or KTSTR_RUNS_DIR; default .ktstr/runs)')
    .example('stats merge shard-1.json shard-2.json -o run.json')
    .action(action(async (first: string | undefined, opts: StoreFlags & { _: string[]; output?: string }) => {
      const files = [first, ...opts._].filter((f): f is string => typeof f === 'string');
      if (files.length === 0) throw new KtstrError('files', files, 'is empty', 'Give the results files of the shards.');
      const runs = files.map(readResultsInput);
      const merged = mergeRuns(runs);
      if (opts.output) writeFileSync(opts.output, `${JSON.stringify(merged, null, 2)}\n`);
      else printJson(merged);
      const stored = await storeRun({
        runsDir: runsDirOf(opts), results: merged, commit: projectCommit(process.cwd()), source: 'merge',
        detailDirs: runs.flatMap((r) => (r.dir ? [r.dir] : [])),
      });
      const rows = await summarise(merged);
      const out = process.stderr;
      out.write(`merged ${files.length} file(s), shards ${merged.shards.join(', ')}: ${merged.cells.length} cells\n`);
      out.write(`${'scheduler'.padEnd(16)}${'passed'.padStart(8)}${'failed'.padStart(8)}${'skipped'.padStart(9)}${'seconds'.padStart(10)}\n`);
      for (const r of rows) out.write(`${r.scheduler.padEnd(16)}${String(r.passed).padStart(8)}${String(r.failed).padStart(8)}${String(r.skipped).padStart(9)}${r.seconds.toFixed(1).padStart(10)}\n`);
      out.write(failedTable(merged.cells.filter((c) => c.status === 'failed')));
      if (opts.output) progress(`wrote ${opts.output}`);
      progress(`stored run ${stored.id} in ${shown(stored.dir)}`);
      if (merged.cells.some((c) => c.status === 'failed')) process.exitCode = 1;
    }));
}

function registerList(prog: Sade): void {
  prog
    .command('stats list')
    .describe('The stored runs, oldest first: id, when, commit, cells passed/failed/skipped.')
    .option('--runs-dir', 'Where the runs are (or KTSTR_RUNS_DIR; default .ktstr/runs)')
    .option('--json', 'The runs as JSON')
    .action(action((opts: StoreFlags) => {
      const dir = runsDirOf(opts);
      const runs = listRuns(dir);
      if (opts.json) return printJson({ runsDir: dir, runs: runs.map((r) => ({ ...r.meta, dir: r.dir })) });
      if (runs.length === 0) {
        process.stdout.write(`no runs in ${shown(dir)} (\`ktstr test\` stores one per run)\n`);
        return;
      }
      process.stdout.write(table(['run', 'started', 'commit', 'cells', 'passed', 'failed', 'skipped', 'source'], runs.map(({ meta: m }) => [
        m.id, m.startedAt.replace(/\.\d+Z$/, 'Z'), m.commit ? m.commit.replace(/^([0-9a-f]{12})[0-9a-f]*/, '$1') : '-',
        String(m.cells), String(m.passed), String(m.failed), String(m.skipped), m.source,
      ]), 3));
    }));
}

function cellsTable(cells: readonly StoredCell[]): string {
  const keys = METRIC_DEFAULTS.map((m) => m.key).filter((k) => cells.some((c) => k in c.metrics));
  return table(['cell', 'status', 'secs', ...keys.map((k) => TITLES[k] ?? k)], cells.map((c) => [
    c.name, c.status, (c.durationMs / 1000).toFixed(1), ...keys.map((k) => fmt(c.metrics[k])),
  ]), 2);
}

function registerShow(prog: Sade): void {
  prog
    .command('stats show <run>')
    .describe('One stored run as a table of its cells and their metrics; RUN is an id, a path or latest.')
    .option('--runs-dir', 'Where the runs are (or KTSTR_RUNS_DIR; default .ktstr/runs)')
    .option('--json', 'The run and its cells as JSON')
    .example('stats show latest')
    .action(action(async (ref: string, opts: StoreFlags) => {
      const dir = resolveRun(runsDirOf(opts), ref);
      const meta = readRunMeta(dir);
      const cells = await readRunCells(dir);
      if (opts.json) return printJson({ ...meta, dir, cells });
      process.stdout.write(`run ${meta.id} (${shown(dir)}), ${meta.startedAt} to ${meta.finishedAt}, commit ${meta.commit ?? 'none'}: `
        + `${meta.passed} passed, ${meta.failed} failed, ${meta.skipped} skipped\n`);
      process.stdout.write(cellsTable(cells));
      const failed = cells.filter((c) => c.status !== 'passed' && c.reason);
      for (const c of failed) process.stdout.write(`  ${c.name}: ${c.status}: ${c.reason}\n`);
      process.stdout.write(`per-cgroup and per-step metrics, timeline and workers: ${shown(join(dir, 'cells'))}/*.json\n`);
    }));
}

function registerClean(prog: Sade): void {
  prog
    .command('stats clean')
    .describe('Remove stored runs but the newest N (--keep), and leftovers of killed runs.')
    .option('--keep', 'How many of the newest runs to keep')
    .option('--runs-dir', 'Where the runs are (or KTSTR_RUNS_DIR; default .ktstr/runs)')
    .option('--json', 'What was removed, as JSON')
    .example('stats clean --keep 10')
    .action(action((opts: StoreFlags & { keep?: string | number }) => {
      if (opts.keep === undefined) throw new KtstrError('--keep', undefined, 'is required', 'Say how many of the newest runs to keep, e.g. --keep 10.');
      const keep = Number(opts.keep);
      const removed = cleanRuns(runsDirOf(opts), keep);
      if (opts.json) return printJson({ kept: keep, removed });
      for (const d of removed) process.stdout.write(`removed ${shown(d)}\n`);
      process.stdout.write(`${removed.length} removed, newest ${keep} kept\n`);
    }));
}

interface CompareFlags extends StoreFlags {
  _: string[];
  'a-kernel'?: string;
  'b-kernel'?: string;
  'a-scheduler'?: string;
  'b-scheduler'?: string;
  kernel?: string;
  scheduler?: string;
  filter?: string;
  threshold?: string | number;
  policy?: string;
  average?: boolean;
  'noise-gate'?: boolean;
  'host-wait-tolerance'?: string | number;
  'false-discovery-rate'?: string | number;
}

const opt = (v: unknown) => (v === undefined ? undefined : String(v));

/**
 * A numeric flag's value, or undefined when absent. sade gives a bare flag `true`, which Number()
 * would read as 1: refused like any other value that is not a number in range.
 */
function numberFlag(flag: string, v: unknown, inRange: (n: number) => boolean, what: string, example: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v === 'boolean' || !Number.isFinite(n) || !inRange(n)) throw new KtstrError(flag, v, what, example);
  return n;
}

export function renderComparison(c: Comparison, sides: { a: string; b: string }): string {
  const out: string[] = [`A: ${sides.a}\nB: ${sides.b}\n`];
  const empty = (s: Comparison['a']) => s.passed + s.failed + s.skipped === 0;
  if (!empty(c.a) && !empty(c.b)) {
    out.push(c.differing.length ? `comparing ${c.differing.join(', ')} (cells paired on everything else)\n` : 'A and B share every dimension (an A/A comparison)\n');
  }
  const rows: string[][] = [];
  for (const p of c.pairs) {
    const hostWait = !p.hostContention.judged ? `  NOT JUDGED: QEMU waited for a host CPU ${p.hostContention.a!.toFixed(1)} % in A, ${p.hostContention.b!.toFixed(1)} % in B` : '';
    rows.push([`${p.label}  [${p.aCells} vs ${p.bCells} cell(s)]`, '', '', '', '', hostWait.trim()]);
    for (const m of p.metrics) {
      const spread = (v: number | null, s: number) => `${fmt(v)}${s > 0 ? ` ±${fmt(s / 2)}` : ''}`;
      rows.push([`  ${m.metric}`, spread(m.a, m.aSpread), spread(m.b, m.bSpread), signed(m.delta), m.relativePercent === null ? '-' : `${m.relativePercent > 0 ? '+' : ''}${m.relativePercent.toFixed(1)}%`, verdictMark(m, p)]);
    }
  }
  // The verdict's mark, left-aligned: it is words, and some are long.
  if (rows.length) out.push(table(['pair / metric', 'A', 'B', 'delta', 'delta %', ''], rows, 1, 5).replace(/ +$/gm, ''));
  if (c.onlyA.length) out.push(`only in A (${c.onlyA.length}): ${c.onlyA.slice(0, 10).join(', ')}${c.onlyA.length > 10 ? ', ...' : ''}\n`);
  if (c.onlyB.length) out.push(`only in B (${c.onlyB.length}): ${c.onlyB.slice(0, 10).join(', ')}${c.onlyB.length > 10 ? ', ...' : ''}\n`);
  for (const [name, s] of [['A', c.a], ['B', c.b]] as const) {
    if (empty(s)) out.push(`side ${name} has no cells: check its run and its --${name.toLowerCase()}-kernel/--${name.toLowerCase()}-scheduler, --kernel, --scheduler and --filter\n`);
  }
  const side = (s: Comparison['a']) => `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped, ${s.unpaired} unpaired`;
  const regressedPairs = c.pairs.filter((p) => p.regressed).length;
  const perVmCpu = c.pairs.filter((p) => p.throughput.judgedBy === 'iterationsPerVmCpuS').length;
  if (c.contendedPairs > 0) {
    const held = c.pairs.filter((p) => !p.hostContention.judged);
    const range = (side: 'a' | 'b') => {
      const v = held.map((p) => p.hostContention[side]!);
      return `${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)} %`;
    };
    out.push(`NOT JUDGED: ${c.contendedPairs} of ${c.pairs.length} pair(s): the host was busier for one side's VMs than the other's `
      + `(QEMU waited for a host CPU ${range('a')} of the time it wanted one in A, ${range('b')} in B); their deltas could be the host's. `
      + 'Run both sides on an equally loaded host (or --host-wait-tolerance to judge anyway)\n');
  }
  if (perVmCpu > 0) out.push(`throughput judged per VM CPU second in ${perVmCpu} of ${c.pairs.length} pair(s) (both sides under TCG); totalIterations shown there, not judged\n`);
  out.push(`${c.pairs.length} pair(s): ${c.regressions} regression(s) in ${regressedPairs} pair(s), ${c.improvements} improvement(s), `
    + `${c.coverageDifferences} coverage difference(s)${c.withinNoise ? `, ${c.withinNoise} change(s) held back as the replicas do not tell them from noise` : ''}; A ${side(c.a)}; B ${side(c.b)}`
    + `${c.contendedPairs ? `; ${c.contendedPairs} pair(s) not judged (host contention)` : ''}${c.pairs.length === 0 ? '; nothing could be paired' : ''}\n`);
  return out.join('');
}

function registerCompare(prog: Sade): void {
  prog
    .command('stats compare [runs...]')
    .describe('Compare two runs (A then B), or two sides of one pool of runs picked with --a-*/--b-*; exit 1 on a regression, 2 when nothing pairs, 3 when pairs could not be judged as the host was busier for one side.')
    .option('--a-kernel', 'Side A: cells of this kernel (7.2 matches 7.2.13+...)')
    .option('--b-kernel', 'Side B: cells of this kernel')
    .option('--a-scheduler', 'Side A: cells of this scheduler name, or hash prefix (6+ hex digits)')
    .option('--b-scheduler', 'Side B: cells of this scheduler name, or hash prefix')
    .option('--kernel', 'Both sides: only cells of this kernel')
    .option('--scheduler', 'Both sides: only cells of this scheduler name or hash prefix')
    .option('--filter', 'Both sides: only cells whose name matches this regular expression')
    .option('--threshold', 'Percent: replaces every metric\'s relative threshold')
    .option('--policy', 'A JSON file: {"defaultPercent": N, "perMetricPercent": {"metric": N}}')
    .option('--average', 'Average replicas of a cell (default); --no-average refuses them')
    .option('--noise-gate', 'With replicas on both sides, a change past the thresholds is a regression only when the replicas tell it from their noise (Welch\'s t, Benjamini-Hochberg over the comparison; default); --no-noise-gate judges the means alone')
    .option('--false-discovery-rate', `The noise gate's rate: at most this chance that unchanged runs flag anything (default ${FALSE_DISCOVERY_RATE})`)
    .option('--host-wait-tolerance', `Percent points the sides' host contention (QEMU's wait for a host CPU) may differ before a pair is not judged (default ${HOST_WAIT_TOLERANCE_POINTS}; 100 judges every pair)`)
    .option('--runs-dir', 'Where the runs are (or KTSTR_RUNS_DIR; default .ktstr/runs)')
    .option('--json', 'The comparison as JSON')
    .example('stats compare 20261201T101500Z-1a2b3c latest')
    .example('stats compare latest --a-kernel 7.2 --b-kernel 7.3')
    .action(action(async (first: string | undefined, opts: CompareFlags) => {
      const refs = [first, ...opts._].filter((r): r is string => typeof r === 'string');
      const runsDir = runsDirOf(opts);
      const dirs = (refs.length ? refs : ['latest']).map((r) => resolveRun(runsDir, r));
      const runs = await Promise.all(dirs.map(async (d) => ({ id: basename(d), cells: await readRunCells(d) })));
      const { a, b } = selectSides(runs, {
        shared: { kernel: opt(opts.kernel), scheduler: opt(opts.scheduler), filter: opt(opts.filter) },
        a: { kernel: opt(opts['a-kernel']), scheduler: opt(opts['a-scheduler']) },
        b: { kernel: opt(opts['b-kernel']), scheduler: opt(opts['b-scheduler']) },
      });
      const thresholdPercent = numberFlag('--threshold', opts.threshold, () => true, 'is not a number of percent', 'E.g. --threshold 20.');
      const thresholds = resolveThresholds({ thresholdPercent, policy: opts.policy === undefined ? undefined : readPolicyFile(String(opts.policy)) });
      const c = compareCells(a, b, thresholds, {
        average: opts.average !== false,
        noiseGate: opts['noise-gate'] !== false,
        hostWaitTolerance: numberFlag('--host-wait-tolerance', opts['host-wait-tolerance'], (n) => n >= 0, 'is not a number of percent points >= 0',
          `E.g. --host-wait-tolerance 10 (default ${HOST_WAIT_TOLERANCE_POINTS}; 100 judges every pair).`),
        falseDiscoveryRate: numberFlag('--false-discovery-rate', opts['false-discovery-rate'], (n) => n > 0 && n < 1, 'is not a rate between 0 and 1',
          `E.g. --false-discovery-rate 0.1 (default ${FALSE_DISCOVERY_RATE}); --no-noise-gate judges the means alone.`),
      });
      const describe = (side: 'a' | 'b') => {
        const picked = [opts[`${side}-kernel`] && `kernel ${opts[`${side}-kernel`]}`, opts[`${side}-scheduler`] && `scheduler ${opts[`${side}-scheduler`]}`].filter(Boolean);
        const from = runs.length === 2 ? runs[side === 'a' ? 0 : 1]!.id : runs.map((r) => r.id).join(', ');
        return `${from}${picked.length ? ` (${picked.join(', ')})` : ''}`;
      };
      const sides = { a: describe('a'), b: describe('b') };
      if (opts.json) printJson({ sides, thresholds, ...c });
      else process.stdout.write(renderComparison(c, sides));
      process.exitCode = c.exitCode;
    }));
}

export function registerStatsCommands(prog: Sade): void {
  registerMerge(prog);
  registerList(prog);
  registerShow(prog);
  registerCompare(prog);
  registerClean(prog);
}
