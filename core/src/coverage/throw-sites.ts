/**
 * Where a test body stopped because something threw. V8 counts blocks, not statements: after a
 * call that throws (a failed assertion), the rest of its block was never reached, yet its count
 * is that of the block. Only an explicit `throw` gets a continuation counter of its own. So under
 * `ktstr coverage` the test process writes down the frames of every error that ends a test body,
 * and v8-lcov.ts takes one hit off each line after such a frame within its block.
 *
 * One file per process (`throws/throws-<pid>.jsonl`), matched with the V8 coverage file of the
 * same process, because V8 merges ranges differently in each process.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coverageDir } from './guest-coverage.js';

/** A frame's position in the original (TypeScript) file, 1-based as in stack traces. */
export interface ThrowFrame {
  file: string;
  line: number;
  column: number;
}

export const throwsDirOf = (dir: string): string => join(dir, 'throws');

// A failed assertion is a few frames deep in the framework; V8's default of 10 frames can cut
// off the test body's own frame, which is the one coverage needs.
if (coverageDir()) Error.stackTraceLimit = Math.max(Error.stackTraceLimit, 64);

const FRAME = /^\s*at (?:async )?(?:.*\()?((?:file:\/\/)?\/[^()]*?):(\d+):(\d+)\)?$/;

/**
 * The frames of a stack trace that are in files on disk. Under tsx, Node applies source maps
 * to stack traces, so the positions are TypeScript lines and columns.
 */
export function framesOf(stack: string): ThrowFrame[] {
  const out: ThrowFrame[] = [];
  for (const line of stack.split('\n')) {
    const m = FRAME.exec(line);
    if (!m) continue;
    const file = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
    if (isAbsolute(file)) out.push({ file, line: Number(m[2]), column: Number(m[3]) });
  }
  return out;
}

/**
 * Records the frames of an error that ended a test body (called where the framework catches
 * it). Does nothing outside a coverage run. The frames of the catcher and its callers are not
 * in the user's files, so every frame of a user's file in the trace is one the error left.
 */
export function recordThrowSite(error: unknown): void {
  const dir = coverageDir();
  const stack = (error as { stack?: unknown } | null)?.stack;
  if (!dir || typeof stack !== 'string') return;
  const frames = framesOf(stack).filter((f) => !f.file.includes('/node_modules/'));
  if (frames.length === 0) return;
  mkdirSync(throwsDirOf(dir), { recursive: true });
  appendFileSync(join(throwsDirOf(dir), `throws-${process.pid}.jsonl`), `${JSON.stringify({ frames })}\n`);
}

/** pid -> the frames of each error that process recorded, in order. */
export function readThrowSites(dir: string): Map<number, ThrowFrame[][]> {
  const out = new Map<number, ThrowFrame[][]>();
  const throwsDir = throwsDirOf(dir);
  if (!existsSync(throwsDir)) return out;
  for (const name of readdirSync(throwsDir)) {
    const m = /^throws-(\d+)\.jsonl$/.exec(name);
    if (!m) continue;
    const errors = readFileSync(join(throwsDir, name), 'utf8').split('\n').filter(Boolean)
      .map((l) => (JSON.parse(l) as { frames: ThrowFrame[] }).frames);
    out.set(Number(m[1]), errors);
  }
  return out;
}
