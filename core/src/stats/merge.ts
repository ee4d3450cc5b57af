/**
 * Joining the results of several shards (or reruns) into one run, and summarising a run as
 * tables. `ktstr stats merge A.json B.json -o out.json` uses both.
 *
 * Merge rule: a cell appears once. The same cell in two inputs is an error when both ran it
 * (two shards disagreeing about the partition means they were planned from different inputs),
 * except that a real result replaces a skip.
 */
import { KtstrError } from '../errors.js';
import type { CellRecord, RunResults } from './run-results.js';

export function mergeRuns(runs: readonly { source: string; results: RunResults }[]): RunResults {
  if (runs.length === 0) throw new KtstrError('inputs', [], 'is empty', 'Give at least one results file from `ktstr test --json`.');
  const byName = new Map<string, { source: string; cell: CellRecord }>();
  for (const { source, results } of runs) {
    if (results?.version !== 1 || !Array.isArray(results.cells)) {
      throw new KtstrError(source, results?.version, 'is not a ktstr results file (version 1)', 'Write it with `ktstr test --json > FILE`.');
    }
    for (const cell of results.cells) {
      const prev = byName.get(cell.name);
      if (prev && prev.cell.status !== 'skipped' && cell.status !== 'skipped') {
        throw new KtstrError(source, cell.name, `repeats cell ${cell.name}, already in ${prev.source}`,
          'Merge results of distinct shards of one plan (same tests, flags and --shard N).');
      }
      if (!prev || prev.cell.status === 'skipped') byName.set(cell.name, { source, cell });
    }
  }
  const cells = [...byName.values()].map((x) => x.cell).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const starts = runs.map((r) => r.results.startedAt).sort();
  const ends = runs.map((r) => r.results.finishedAt).sort();
  const shards = [...new Set(runs.flatMap((r) => r.results.shards))].sort();
  return { version: 1, startedAt: starts[0]!, finishedAt: ends.at(-1)!, shards, cells };
}

export interface SummaryRow {
  scheduler: string;
  passed: number;
  failed: number;
  skipped: number;
  /** Sum of cell wall times, seconds. */
  seconds: number;
}

/**
 * Cells per scheduler and status, with their total time: a polars group-by over the cells.
 * Polars loads on first use: it is large, and test processes import @ktstr/core without needing it.
 */
export async function summarise(results: RunResults): Promise<SummaryRow[]> {
  if (results.cells.length === 0) return [];
  const { default: pl } = await import('nodejs-polars');
  const df = pl.DataFrame({
    scheduler: results.cells.map((c) => c.scheduler),
    passed: results.cells.map((c) => (c.status === 'passed' ? 1 : 0)),
    failed: results.cells.map((c) => (c.status === 'failed' ? 1 : 0)),
    skipped: results.cells.map((c) => (c.status === 'skipped' ? 1 : 0)),
    seconds: results.cells.map((c) => c.durationMs / 1000),
  });
  const grouped = df.groupBy('scheduler').agg(pl.col('passed').sum(), pl.col('failed').sum(), pl.col('skipped').sum(), pl.col('seconds').sum()).sort('scheduler');
  return grouped.toRecords().map((r) => ({
    scheduler: String(r.scheduler),
    passed: Number(r.passed),
    failed: Number(r.failed),
    skipped: Number(r.skipped),
    seconds: Math.round(Number(r.seconds) * 10) / 10,
  }));
}
