/**
 * Running cells through the `ktstr` CLI, without VS Code: the command line for a set of cells,
 * and the results document `ktstr test --json` prints, read back into per-cell outcomes. Kept free of
 * the `vscode` module so it is unit-tested under plain node.
 */
import type { CellArg } from '@ktstr/language-server/dist/handlers/commands.js';
import type { CellMetricsRecord, CellTiming } from '@ktstr/core';

export interface CellOutcome {
  /** The node:test name, which for a ktstr cell is (or contains) the cell name. */
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  durationMs: number | undefined;
  /** The failure: scheduler exit reason or failing assertion, as the runner reported it. */
  error: string | undefined;
  skipReason: string | undefined;
  /** A failed cell's explaining lines: the scheduler's last output and sched_ext lines, or the console's tail. */
  detail?: string[] | undefined;
  /** The file with a failed cell's whole error, scheduler output and console log. */
  detailFile?: string | undefined;
  /** A failed cell's one-line BUG SUMMARY and its failure dump file (docs/debugging.md, "Failure dumps"). */
  bugSummary?: string | undefined;
  failureDump?: string | undefined;
  /** What the test body printed (its tail). */
  output?: string | undefined;
  /** The scenario's measurements (docs/metrics.md), when the cell ran one. */
  metrics?: CellMetricsRecord | undefined;
  timing?: CellTiming | undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The `--filter` regular expression that selects exactly these cells (or the whole test). */
export function cellFilter(test: string | undefined, cells: readonly CellArg[]): string | undefined {
  if (cells.length > 0) return `^(?:${cells.map((c) => escapeRegExp(c.name)).join('|')})$`;
  return test === undefined ? undefined : `^${escapeRegExp(test)}/`;
}

/**
 * Arguments of `ktstr test` for cells of one file. Named cells run with `--gauntlet`, so a
 * cell off the test's home topology is in the plan for the filter to pick; without cells the
 * test runs as a default run would (its home cells).
 */
export function testCommandArgs(file: string, test: string | undefined, cells: readonly CellArg[]): string[] {
  const args = ['test', file, '--json'];
  if (cells.length > 0) args.push('--gauntlet');
  const filter = cellFilter(test, cells);
  if (filter !== undefined) args.push('--filter', filter);
  return args;
}

/**
 * Arguments of `ktstr coverage` for the same cells: it runs them like `ktstr test` and writes
 * one lcov tracefile (host V8 coverage of the test files merged with guest gcov coverage of the
 * scheduler's userspace loader) to `lcovFile`.
 */
export function coverageCommandArgs(file: string, test: string | undefined, cells: readonly CellArg[], lcovFile: string): string[] {
  return ['coverage', ...testCommandArgs(file, test, cells).slice(1), '--lcov', lcovFile];
}

/**
 * One cell record, from the results document or a cell's `end` event (docs/cli.md), as an
 * outcome; undefined for anything without a name. Fields of the wrong type are left out rather
 * than trusted: the CLI may be another version than the extension.
 */
export function outcomeFromRecord(c: unknown): CellOutcome | undefined {
  if (typeof c !== 'object' || c === null) return undefined;
  const r = c as Record<string, unknown>;
  if (typeof r.name !== 'string') return undefined;
  const status = r.status === 'passed' || r.status === 'skipped' ? r.status : 'failed';
  const reason = typeof r.reason === 'string' ? r.reason : undefined;
  const object = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined);
  return {
    name: r.name,
    status,
    durationMs: typeof r.durationMs === 'number' ? r.durationMs : undefined,
    error: status === 'failed' ? reason : undefined,
    skipReason: status === 'skipped' ? reason : undefined,
    detail: Array.isArray(r.detail) ? r.detail.filter((l): l is string => typeof l === 'string') : undefined,
    detailFile: typeof r.detailFile === 'string' ? r.detailFile : undefined,
    bugSummary: status === 'failed' && typeof r.bugSummary === 'string' ? r.bugSummary : undefined,
    failureDump: status === 'failed' && typeof r.failureDump === 'string' ? r.failureDump : undefined,
    output: typeof r.output === 'string' && r.output !== '' ? r.output : undefined,
    metrics: object(r.metrics) as CellMetricsRecord | undefined,
    timing: object(r.timing) as CellTiming | undefined,
  };
}

/**
 * The outcomes in what `ktstr test --json` prints: one results document
 * (`{ version: 1, cells: [{ name, status, reason, durationMs, ... }] }`), or undefined when
 * the output holds none (the run failed before planning; its stderr says why).
 */
export function parseRunResults(stdout: string): CellOutcome[] | undefined {
  const text = stdout.trim();
  const from = text.indexOf('{');
  if (from < 0) return undefined;
  let doc: { cells?: unknown };
  try {
    doc = JSON.parse(text.slice(from)) as { cells?: unknown };
  } catch {
    return undefined;
  }
  if (!Array.isArray(doc.cells)) return undefined;
  return doc.cells.map(outcomeFromRecord).filter((o): o is CellOutcome => o !== undefined);
}

/** The cell an outcome or a start event belongs to: its name equals the cell name, or carries it. */
export function matchCell<T extends { name: string }>(outcome: { name: string }, cells: readonly T[]): T | undefined {
  return cells.find((c) => c.name === outcome.name) ?? cells.find((c) => outcome.name.includes(c.name));
}

/** Splits a byte stream into lines, keeping the unfinished tail for the next chunk. */
export class LineSplitter {
  private rest = '';
  push(chunk: string): string[] {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop() ?? '';
    return parts;
  }
  end(): string[] {
    const last = this.rest;
    this.rest = '';
    return last ? [last] : [];
  }
}
