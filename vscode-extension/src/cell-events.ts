/**
 * Following a run's cells as they start and end: `ktstr test` appends each cell's `start` and
 * `end` event as a JSON line to the file named by KTSTR_EVENTS (docs/cli.md), while its results
 * document on stdout only comes when the whole run is over. Free of the `vscode` module so it is
 * unit-tested under plain node.
 */
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { type CellOutcome, outcomeFromRecord } from './cell-run.js';

export type CellEvent =
  | { kind: 'start'; name: string }
  | { kind: 'end'; outcome: CellOutcome };

/**
 * One line of the events file; undefined for anything else, including the `log` events, which
 * the CLI already prints on stderr.
 */
export function parseEventLine(line: string): CellEvent | undefined {
  let e: unknown;
  try {
    e = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof e !== 'object' || e === null) return undefined;
  const r = e as Record<string, unknown>;
  if (r.event === 'start' && typeof r.name === 'string') return { kind: 'start', name: r.name };
  if (r.event === 'end') {
    const { event: _event, ...record } = r;
    const outcome = outcomeFromRecord(record);
    return outcome ? { kind: 'end', outcome } : undefined;
  }
  return undefined;
}

/**
 * Reads what was appended to the events file since the last read, in whole lines: a line being
 * written has no newline yet and waits for the next read. The file may not exist yet (the CLI
 * creates it once it has planned the run), and never does under a CLI without KTSTR_EVENTS.
 */
export class EventsFile {
  private offset = 0;
  private pending = Buffer.alloc(0);

  constructor(readonly path: string) {}

  read(): CellEvent[] {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return [];
    }
    try {
      const size = fstatSync(fd).size;
      // Truncated under us (the CLI empties the file when it starts): read from the start.
      if (size < this.offset) {
        this.offset = 0;
        this.pending = Buffer.alloc(0);
      }
      if (size === this.offset) return [];
      const chunk = Buffer.alloc(size - this.offset);
      const n = readSync(fd, chunk, 0, chunk.length, this.offset);
      this.offset += n;
      // Split on bytes, not characters: a read may end inside a multi-byte character.
      const buf = Buffer.concat([this.pending, chunk.subarray(0, n)]);
      const end = buf.lastIndexOf(0x0a);
      if (end < 0) {
        this.pending = buf;
        return [];
      }
      this.pending = buf.subarray(end + 1);
      return buf.subarray(0, end).toString('utf8').split('\n')
        .map(parseEventLine).filter((e): e is CellEvent => e !== undefined);
    } finally {
      closeSync(fd);
    }
  }
}
