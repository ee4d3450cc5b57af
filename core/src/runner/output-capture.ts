/**
 * Captures what a test body prints while its cell runs, so `ktstr test` can show it (always for
 * a failed cell, for every cell with --verbose) instead of leaving it in node:test's report.
 * The writes still go through: node's reporters see them as before.
 *
 * Only text writes are captured: under `node --test` the child's reporter protocol is written
 * to stdout as binary chunks, and must not end up in the cell's output. The `ktstr: ` lines of
 * the framework itself are left out too; the run shows them as they happen.
 */
const MAX_CHARS = 16 * 1024;

export interface OutputCapture {
  /** Stops capturing and returns the captured text (its tail, at most 16 KiB). */
  stop(): string;
}

export function captureOutput(): OutputCapture {
  let text = '';
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((s) => s.write);
  streams.forEach((stream, i) => {
    const original = originals[i]!;
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      if (typeof chunk === 'string' && !chunk.startsWith('ktstr: ')) {
        text += chunk;
        if (text.length > 2 * MAX_CHARS) text = text.slice(-MAX_CHARS);
      }
      return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof stream.write;
  });
  return {
    stop() {
      streams.forEach((stream, i) => {
        stream.write = originals[i]!;
      });
      return text.length > MAX_CHARS ? text.slice(-MAX_CHARS) : text;
    },
  };
}
