/**
 * Results of a run: one record per cell, what `ktstr test --json` prints and what
 * `ktstr stats merge` joins across shards.
 *
 * While a run is going, each test process appends events (a start and an end per cell) as JSON
 * lines to the file named by KTSTR_RESULTS; appends of one short line are atomic, so concurrent
 * processes can share a file. The CLI reads them for its progress display and folds them into a
 * RunResults document at the end.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

export type CellStatus = 'passed' | 'failed' | 'skipped';

export interface CellRecord {
  name: string;
  test: string;
  preset: string;
  kernel: string;
  scheduler: string;
  /** Topology label, e.g. 1n2l2c1t. */
  topology: string;
  status: CellStatus;
  /** Why it failed or was skipped: the first line of the error, or the skip reason. */
  reason?: string;
  /** Wall time, boot to teardown. */
  durationMs: number;
  /** `K/N` of a sharded run. */
  shard?: string;
  finishedAt: string;
}

export interface RunResults {
  version: 1;
  startedAt: string;
  finishedAt: string;
  /** The shards these results come from (`1/1` for an unsharded run). */
  shards: string[];
  cells: CellRecord[];
}

export type CellEvent =
  | { event: 'start'; name: string; at: string; pid: number }
  | ({ event: 'end' } & CellRecord)
  /** A line for the user from a test process (e.g. waiting for CPUs); node's runner would bury its stderr in the report. */
  | { event: 'log'; message: string; pid: number };

export function appendCellEvent(file: string | undefined, event: CellEvent): void {
  if (!file) return;
  appendFileSync(file, `${JSON.stringify(event)}\n`);
}

export function readCellEvents(file: string): CellEvent[] {
  if (!existsSync(file)) return [];
  const out: CellEvent[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as CellEvent);
    } catch {
      // a line being written right now; the next read sees it whole
    }
  }
  return out;
}

export function resultsFromEvents(events: readonly CellEvent[], startedAt: string, shard: string): RunResults {
  const cells = events.filter((e): e is { event: 'end' } & CellRecord => e.event === 'end').map(({ event: _e, ...r }) => r);
  return { version: 1, startedAt, finishedAt: new Date().toISOString(), shards: [shard], cells };
}
