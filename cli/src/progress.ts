/**
 * The gauntlet's progress on the terminal: on a TTY one status line rewritten in place (cells
 * done, running, failed, ETA); elsewhere (CI logs, pipes) one plain line per finished cell.
 * It follows the event file the test processes append to (core/src/stats/run-results.ts).
 */
import { readCellEvents, type CellEvent, type CellRecord, type PlanEntry } from '@ktstr/core';

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
    if (!this.tty) {
      for (const e of ended.slice(this.seen)) {
        process.stderr.write(`ktstr: [${ended.indexOf(e) + 1}/${this.entries.length}] ${e.status} ${e.name}` +
          `${e.status === 'skipped' ? ` (${e.reason})` : ` (${(e.durationMs / 1000).toFixed(1)} s)`}\n`);
      }
      this.seen = ended.length;
      return;
    }
    // What is left of each unfinished cell's estimate; a running cell has spent part of it.
    const startedAt = new Map(events.filter((e) => e.event === 'start').map((e) => [e.name, Date.parse((e as { at: string }).at)]));
    const remainingMs = this.entries.filter((e) => e.status === 'run' && !endedNames.has(e.name))
      .reduce((s, e) => s + Math.max(0, e.estimateMs - (startedAt.has(e.name) ? Date.now() - startedAt.get(e.name)! : 0)), 0) / this.jobs;
    const line = `ktstr: ${ended.length}/${this.entries.length} done, ${running} running, ${failed} failed, ` +
      `elapsed ${secs(Date.now() - this.startedAt)}, ETA ${secs(remainingMs)}`;
    process.stderr.write(`\r\x1b[K${line}`);
  }
}

/** The final table of failed cells and their reasons (empty string when none failed). */
export function failedTable(failed: readonly CellRecord[]): string {
  if (failed.length === 0) return '';
  const width = Math.max(...failed.map((c) => c.name.length));
  return ['', `failed cells (${failed.length}):`, ...failed.map((c) => `  ${c.name.padEnd(width)}  ${c.reason ?? ''}`), ''].join('\n') + '\n';
}
