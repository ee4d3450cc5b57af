/**
 * The gauntlet's progress on the terminal: on a TTY one status line rewritten in place (cells
 * done, running, failed, ETA); elsewhere (CI logs, pipes) one plain line per finished cell.
 * It follows the event file the test processes append to (core/src/stats/run-results.ts).
 */
import { readFileSync } from 'node:fs';
import { bugSummaryLine, readCellEvents, renderFailureDump, type CellEvent, type CellRecord, type FailureDump, type PlanEntry } from '@ktstr/core';

/** Failed cells whose whole dump is printed; the others get their BUG SUMMARY line and the dump's path. */
export const DUMPS_SHOWN = 3;

/** A failed cell's dump file, or undefined when it has none or it cannot be read (the reason and detail are shown instead). */
function readFailureDump(path: string | undefined): FailureDump | undefined {
  if (!path) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as FailureDump;
  } catch {
    return undefined;
  }
}

const secs = (ms: number) => (ms >= 60_000 ? `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s` : `${Math.round(ms / 1000)}s`);

export class GauntletProgress {
  private timer: NodeJS.Timeout | undefined;
  private seen = 0;
  private logsSeen = 0;
  private readonly tty = process.stderr.isTTY === true;
  private readonly startedAt = Date.now();

  constructor(
    private readonly entries: readonly PlanEntry[],
    private readonly eventsFile: string,
    private readonly jobs: number,
    private readonly enabled: boolean,
    /** Show what each passing cell's body printed as it ends (failed cells' output is in the summary). */
    private readonly verbose = false,
  ) {}

  start(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => this.tick(), this.tty ? 500 : 1000);
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.tick();
    if (this.tty) process.stderr.write('\n');
  }

  private tick(): void {
    const events = readCellEvents(this.eventsFile);
    const ended = events.filter((e): e is { event: 'end' } & CellRecord => e.event === 'end');
    const endedNames = new Set(ended.map((e) => e.name));
    const running = events.filter((e) => e.event === 'start' && !endedNames.has(e.name)).length;
    const failed = ended.filter((e) => e.status === 'failed').length;
    const logs = events.filter((e): e is Extract<CellEvent, { event: 'log' }> => e.event === 'log');
    for (const l of logs.slice(this.logsSeen)) process.stderr.write(`${this.tty ? '\r\x1b[K' : ''}ktstr: [pid ${l.pid}] ${l.message}\n`);
    this.logsSeen = logs.length;
    if (this.verbose) {
      for (const e of ended.slice(this.seen)) {
        if (e.status === 'passed' && e.output) process.stderr.write(`${this.tty ? '\r\x1b[K' : ''}${outputBlock(e)}`);
      }
    }
    if (!this.tty) {
      // Skipped cells are not listed one by one: the summary groups them by reason.
      for (const e of ended.slice(this.seen)) {
        if (e.status === 'skipped') continue;
        process.stderr.write(`ktstr: [${ended.indexOf(e) + 1}/${this.entries.length}] ${e.status} ${e.name} (${(e.durationMs / 1000).toFixed(1)} s)\n`);
      }
      this.seen = ended.length;
      return;
    }
    this.seen = ended.length;
    // What is left of each unfinished cell's estimate; a running cell has spent part of it.
    const startedAt = new Map(events.filter((e) => e.event === 'start').map((e) => [e.name, Date.parse((e as { at: string }).at)]));
    const remainingMs = this.entries.filter((e) => e.status === 'run' && !endedNames.has(e.name))
      .reduce((s, e) => s + Math.max(0, e.estimateMs - (startedAt.has(e.name) ? Date.now() - startedAt.get(e.name)! : 0)), 0) / this.jobs;
    const line = `ktstr: ${ended.length}/${this.entries.length} done, ${running} running, ${failed} failed, ` +
      `elapsed ${secs(Date.now() - this.startedAt)}, ETA ${secs(remainingMs)}`;
    process.stderr.write(`\r\x1b[K${line}`);
  }
}

const indent = (text: string, by: string) => text.trimEnd().split('\n').map((l) => `${by}${l}`).join('\n');

/** What a cell's test body printed, under the cell's name. */
export function outputBlock(c: CellRecord): string {
  return `ktstr: output of ${c.name}:\n${indent(c.output ?? '', '  | ')}\n`;
}

/**
 * The end-of-run account of failed cells: each cell's name once, its failure dump (the first
 * `dumpsShown` of them whole, then their BUG SUMMARY line) or, without one, its reason and the
 * lines that explain it (the scheduler's last output and the kernel's sched_ext lines for a
 * scheduler exit), what its body printed, and the files with the rest. Empty when none failed.
 */
export function failedTable(failed: readonly CellRecord[], dumpsShown = DUMPS_SHOWN): string {
  if (failed.length === 0) return '';
  const out = ['', `failed cells (${failed.length}):`];
  let shown = 0;
  for (const c of failed) {
    const dump = readFailureDump(c.failureDump);
    if (dump && shown < dumpsShown) {
      // The dump starts with the BUG SUMMARY and carries what the detail lines would repeat.
      shown++;
      out.push(`  ${c.name}`, indent(renderFailureDump(dump), '    '));
    } else if (dump) {
      // A gauntlet can fail many cells the same way: past the first few, the summary and the file.
      out.push(`  ${c.name}`, `    ${bugSummaryLine(dump)}`);
    } else {
      out.push(`  ${c.name}`, `    ${c.reason ?? '(no reason recorded)'}`);
      for (const l of c.detail ?? []) out.push(`    ${l}`);
    }
    if (c.output) out.push('    output of the test body:', indent(c.output, '      | '));
    if (c.failureDump) out.push(`    failure dump: ${c.failureDump}`);
    if (c.detailFile) out.push(`    full detail: ${c.detailFile}`);
  }
  return `${out.join('\n')}\n\n`;
}

/** Skipped cells grouped by reason, one line per reason with a count (empty when none). */
export function skippedSummary(cells: readonly CellRecord[]): string {
  const byReason = new Map<string, number>();
  for (const c of cells) {
    if (c.status === 'skipped') byReason.set(c.reason ?? '', (byReason.get(c.reason ?? '') ?? 0) + 1);
  }
  return [...byReason].map(([reason, n]) => `ktstr: skipped ${n} cell${n === 1 ? '' : 's'}: ${reason}\n`).join('');
}
