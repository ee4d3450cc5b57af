/**
 * What `ktstr report` shows, as data: the run's cells (failed first, with their reasons), per
 * cell the series its charts plot, and the comparison with a baseline run. The page (report-html.ts)
 * embeds this as JSON and a script in the page renders it, so everything decided about the
 * report — ordering, which cells regressed, what a chart plots — is decided here and tested
 * without a browser.
 */
import { compareCells, type Comparison, type MetricComparison } from '../stats/compare.js';
import { verdictMark } from '../stats/verdict-mark.js';
import type { ThresholdTable } from '../stats/compare-policy.js';
import type { RunMeta } from '../stats/run-store.js';
import type { StoredCell } from '../stats/stored-cell.js';
import type { TimelineEvent } from '../result/timeline.js';
import type { WorkerResult } from '../result/metrics.js';
import { monitorLanes, type MonitorLanes } from './monitor-lanes.js';

export interface ReportRun {
  id: string;
  dir: string;
  startedAt: string;
  finishedAt: string;
  commit: string | null;
  cells: number;
  passed: number;
  failed: number;
  skipped: number;
  /** Test files that failed to load: no cell of theirs ran, so the summary names them. */
  loadErrors: { file: string; message: string }[];
}

export interface ReportStep {
  name: string;
  /** Guest seconds, the timeline's axis. */
  start: number;
  end: number;
}

export interface ReportWorker {
  /** `cgroup/index`, as the timeline keys workers. */
  key: string;
  iterations: number;
  /** Mean wait per timeslice, µs (the schedstat run delay, docs/metrics.md); null without timeslices. */
  runDelayUs: number | null;
  migrations: number;
  cpus: number[];
}

export interface ReportCell {
  name: string;
  test: string;
  preset: string;
  topology: string;
  kernel: string;
  scheduler: string;
  status: StoredCell['status'];
  reason: string | null;
  /** The lines that explain a failure (kernel lines, the scheduler's last output). */
  detail: string[];
  durationMs: number;
  metrics: Record<string, number | null>;
  /** Step phases for the timeline's bands. */
  steps: ReportStep[];
  /** Cumulative iterations of each worker at each stimulus event; null without a timeline. */
  iterations: { t: number[]; workers: { key: string; values: (number | null)[] }[] } | null;
  workers: ReportWorker[];
  monitor: MonitorLanes | null;
  /** Why there is no monitor chart. */
  monitorAbsent: string | null;
  /** Metrics that regressed against the baseline (empty without one). */
  regressed: string[];
  /** Shown open, its charts drawn as the page loads; the others draw when opened. */
  expanded: boolean;
}

export interface ReportComparison {
  baseline: string;
  differing: string[];
  pairs: { label: string; regressed: boolean; aCells: number; bCells: number; hostContention: Comparison['pairs'][number]['hostContention']; metrics: (MetricComparison & { mark: string })[] }[];
  onlyBaseline: string[];
  onlyRun: string[];
  regressions: number;
  improvements: number;
  coverageDifferences: number;
  /** Changes past the thresholds that the noise gate held back (compare.ts, `withinNoise`). */
  withinNoise: number;
  /** Pairs not judged because the host was busier for one side's VMs (compare.ts, `hostContention`). */
  contendedPairs: number;
}

export interface ReportModel {
  version: 1;
  generatedAt: string;
  run: ReportRun;
  baseline: ReportRun | null;
  cells: ReportCell[];
  comparison: ReportComparison | null;
}

export interface ReportSide {
  meta: RunMeta;
  dir: string;
  cells: readonly StoredCell[];
}

export interface ReportInput {
  run: ReportSide;
  /** Each cell's JSON file (cells/*.json), by cell name; a cell without one still gets its row. */
  details: ReadonlyMap<string, Record<string, unknown>>;
  baseline?: ReportSide;
  thresholds: ThresholdTable;
  now?: Date;
}

/**
 * Up to this many cells, every cell's charts are drawn as the page opens. A gauntlet's run has
 * hundreds of cells and a handful of charts each: there only the failed and regressed ones are
 * open, and the browser draws the others when the reader opens them.
 */
export const EXPAND_ALL_UP_TO = 12;

/** Failed cells lead: they are what a reader opens the report for; skipped ones have nothing to plot. */
const STATUS_RANK: Record<StoredCell['status'], number> = { failed: 0, passed: 1, skipped: 2 };

function runOf(s: ReportSide): ReportRun {
  const m = s.meta;
  return {
    id: m.id, dir: s.dir, startedAt: m.startedAt, finishedAt: m.finishedAt, commit: m.commit, cells: m.cells,
    passed: m.passed, failed: m.failed, skipped: m.skipped, loadErrors: m.errors ?? [],
  };
}

function stepsOf(timeline: readonly TimelineEvent[]): ReportStep[] {
  const steps: ReportStep[] = [];
  const open = new Map<number, ReportStep>();
  for (const e of timeline) {
    if (e.kind === 'step_start') {
      const s = { name: e.stepName, start: e.tMs / 1000, end: e.tMs / 1000 };
      open.set(e.step, s);
      steps.push(s);
    } else if (e.kind === 'step_end') {
      const s = open.get(e.step);
      if (s) s.end = e.tMs / 1000;
      open.delete(e.step);
    }
  }
  // A step the cell never ended (it failed mid-step) lasts to the last event seen.
  const last = timeline.length ? timeline.at(-1)!.tMs / 1000 : 0;
  for (const s of open.values()) s.end = Math.max(s.start, last);
  return steps;
}

function iterationsOf(timeline: readonly TimelineEvent[]): ReportCell['iterations'] {
  if (timeline.length === 0) return null;
  const keys = [...new Set(timeline.flatMap((e) => Object.keys(e.iterations ?? {})))].sort();
  if (keys.length === 0) return null;
  const sorted = [...timeline].sort((a, b) => a.tMs - b.tMs);
  return {
    t: sorted.map((e) => e.tMs / 1000),
    workers: keys.map((key) => ({ key, values: sorted.map((e) => e.iterations?.[key] ?? null) })),
  };
}

function workersOf(workers: readonly WorkerResult[]): ReportWorker[] {
  return workers.map((w) => ({
    key: `${w.cgroup}/${w.index}`,
    iterations: w.iterations,
    runDelayUs: w.timeslices > 0 ? w.waitNs / w.timeslices / 1000 : null,
    migrations: w.migrations,
    cpus: w.cpus,
  }));
}

/** The comparison's dimensions that a pair names, checked against a cell of the run. */
function pairMatches(key: Comparison['pairs'][number]['key'], c: StoredCell): boolean {
  return Object.entries(key).every(([d, v]) => (c[d as keyof StoredCell] ?? null) === v);
}

function cellOf(c: StoredCell, detail: Record<string, unknown> | undefined, regressed: string[]): ReportCell {
  const timeline = Array.isArray(detail?.timeline) ? (detail.timeline as TimelineEvent[]) : [];
  const workers = Array.isArray(detail?.workers) ? (detail.workers as WorkerResult[]) : [];
  const lanes = monitorLanes(detail?.monitor);
  return {
    name: c.name, test: c.test, preset: c.preset, topology: c.topology, kernel: c.kernel, scheduler: c.scheduler,
    status: c.status, reason: c.reason, detail: Array.isArray(detail?.detail) ? (detail.detail as string[]).map(String) : [],
    durationMs: c.durationMs, metrics: c.metrics,
    steps: stepsOf(timeline), iterations: iterationsOf(timeline), workers: workersOf(workers),
    monitor: 'lanes' in lanes ? lanes.lanes : null, monitorAbsent: 'absent' in lanes ? lanes.absent : null,
    regressed, expanded: false,
  };
}

export function buildReportModel(input: ReportInput): ReportModel {
  const { run, baseline } = input;
  // The baseline is side A, as in `ktstr stats compare BASELINE RUN`: a regression is the run
  // getting worse than the baseline.
  const comparison = baseline ? compareCells(baseline.cells, run.cells, input.thresholds) : null;
  const regressedOf = (c: StoredCell): string[] => {
    if (!comparison || c.status !== 'passed') return [];
    const p = comparison.pairs.find((x) => x.regressed && pairMatches(x.key, c));
    return p ? p.metrics.filter((m) => m.verdict === 'regressed').map((m) => m.metric) : [];
  };
  const cells = [...run.cells]
    .sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((c) => cellOf(c, input.details.get(c.name), regressedOf(c)));
  const all = cells.length <= EXPAND_ALL_UP_TO;
  for (const c of cells) c.expanded = all || c.status === 'failed' || c.regressed.length > 0;
  return {
    version: 1,
    generatedAt: (input.now ?? new Date()).toISOString(),
    run: runOf(run),
    baseline: baseline ? runOf(baseline) : null,
    cells,
    comparison: comparison && baseline ? {
      baseline: baseline.meta.id,
      differing: comparison.differing,
      // Regressed pairs first, as failed cells are: they are what the comparison is read for.
      pairs: [...comparison.pairs].sort((p, q) => Number(q.regressed) - Number(p.regressed))
        .map((p) => ({
          label: p.label, regressed: p.regressed, aCells: p.aCells, bCells: p.bCells, hostContention: p.hostContention,
          metrics: p.metrics.map((m) => ({ ...m, mark: verdictMark(m, p) })),
        })),
      onlyBaseline: comparison.onlyA,
      onlyRun: comparison.onlyB,
      regressions: comparison.regressions,
      improvements: comparison.improvements,
      coverageDifferences: comparison.coverageDifferences,
      withinNoise: comparison.withinNoise,
      contendedPairs: comparison.contendedPairs,
    } : null,
  };
}
