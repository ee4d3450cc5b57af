/**
 * A cell whose test process died mid-cell (SIGKILL, a crash, the kernel's OOM killer) wrote its
 * `start` event and never its `end`. Without this it vanished from the run's results, which
 * then said only that a process exited non-zero. Each such cell becomes a failure saying what
 * happened, taken from node's test report when it names the signal or exit code.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { CellEvent, CellRecord } from './run-results.js';

/** What the plan knew of a cell: its record's identifying fields. */
export type PlannedCell = Pick<CellRecord, 'name' | 'test' | 'preset' | 'kernel' | 'scheduler' | 'topology'>;

export function unfinishedCells(events: readonly CellEvent[], planned: readonly PlannedCell[], how: string): CellRecord[] {
  const ended = new Set(events.flatMap((e) => (e.event === 'end' ? [e.name] : [])));
  const now = new Date();
  return events.flatMap((e) => {
    if (e.event !== 'start' || ended.has(e.name)) return [];
    ended.add(e.name); // a cell started twice (node's retries do not exist, but be safe) counts once
    const p = planned.find((c) => c.name === e.name);
    if (!p) return [];
    return [{
      ...p,
      status: 'failed' as const,
      reason: `its test process (pid ${e.pid}) died before the cell ended: ${how}`,
      durationMs: Math.max(0, now.getTime() - Date.parse(e.at)),
      finishedAt: now.toISOString(),
    }];
  });
}

/**
 * Cells of a test process that was interrupted or killed before it started them: no event at
 * all. They did not run, and their results must still say so rather than leave them out (a run
 * whose record lacks a planned cell reads as if that cell never was). Each becomes a skip
 * naming how the process ended.
 */
export function notStartedCells(events: readonly CellEvent[], planned: readonly PlannedCell[], how: string): CellRecord[] {
  const seen = new Set(events.flatMap((e) => ('name' in e ? [e.name] : [])));
  const now = new Date().toISOString();
  return planned.filter((p) => !seen.has(p.name)).map((p) => ({
    ...p, status: 'skipped' as const, reason: `not run: its test process ended before it started the cell (${how})`, durationMs: 0, finishedAt: now,
  }));
}

/** Whether `howTestProcessEnded` describes an interruption or a signal, not a process that finished its file. */
export const endedAbnormally = (how: string): boolean => /^(the run was interrupted|killed by|the test runner died of)/.test(how);

/** How node's test runner saw a test file's process end, from its report (spec or tap), if it says. */
export function howTestProcessEnded(reportFile: string | undefined, runnerExit: { code: number | null; signal: NodeJS.Signals | null; interrupted?: NodeJS.Signals }): string {
  // The run itself was interrupted (Ctrl-C, a kill of the ktstr process) and passed it on.
  if (runnerExit.interrupted) return `the run was interrupted (${runnerExit.interrupted})`;
  const report = reportFile && existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : '';
  const signal = /signal: '?(SIG[A-Z0-9]+)'?/.exec(report)?.[1];
  if (signal) return `killed by ${signal}`;
  const code = /exitCode: (\d+)/.exec(report)?.[1];
  if (code) return `exited with code ${code}`;
  if (runnerExit.signal) return `the test runner died of ${runnerExit.signal}`;
  return `no report of how (the test runner exited with code ${runnerExit.code})`;
}
