/**
 * Host-side moments of one cell's start-up and shutdown, for the phase breakdown of
 * bench/gauntlet.ts (`phases`). Off unless a recording was started: then `markCell` costs one
 * clock read and a push. One recording at a time, for the one cell a benchmark runs at a time;
 * the guest's side comes with its `done` message ("phases", docs/guest-protocol.md).
 */
import { performance } from 'node:perf_hooks';

export interface CellMark {
  what: string;
  /** performance.now() when it happened. */
  atMs: number;
}

let recording: CellMark[] | undefined;

/** Starts a new recording (dropping any earlier one) and returns its list, filled as the cell goes. */
export function recordCellTimeline(): CellMark[] {
  recording = [];
  return recording;
}

/** Ends the recording: later marks are not kept. */
export function stopCellTimeline(): void {
  recording = undefined;
}

/** Notes that `what` happened now, when a recording runs. */
export function markCell(what: string): void {
  recording?.push({ what, atMs: performance.now() });
}
