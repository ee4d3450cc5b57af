/**
 * Host coverage of the user's test files: the V8 coverage that Node writes when
 * NODE_V8_COVERAGE is set (one coverage-*.json per process) becomes lcov.
 *
 * Test files are TypeScript run through tsx, so V8's block ranges are offsets into the
 * transpiled script; Node keeps each script's source map in the coverage file's
 * `source-map-cache`. A TypeScript line is reported when the source map says some code came
 * from it (so comments, blank lines, type-only lines and lines of closing brackets are not
 * lines at all), and its hits are those of the innermost V8 range holding the start of that
 * code. Lines after a call that threw out of a test body get one hit fewer per such throw
 * (throw-sites.ts), because V8 only counts blocks and the rest of the block never ran.
 *
 * Plain JavaScript files have no source map; v8-to-istanbul (the converter c8 uses) reports
 * them as before, every line of a run block counted.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Profiler } from 'node:inspector';
import v8ToIstanbul from 'v8-to-istanbul';
import libCoverage from 'istanbul-lib-coverage';
import { emptyFileCoverage, mergeTracefiles, type FileCoverage, type Tracefile } from './lcov.js';
import { decodeSegments, type Segment } from './source-map-segments.js';
import { statementEndLine } from './statement-end.js';
import type { ThrowFrame } from './throw-sites.js';

interface SourceMapCacheEntry {
  lineLengths?: number[];
  data?: { mappings?: string } | null;
}

interface V8CoverageFile {
  result: Profiler.ScriptCoverage[];
  'source-map-cache'?: Record<string, SourceMapCacheEntry>;
}

/** Whether a file is one of the user's: under one of the given paths, outside node_modules. */
export function isUnderPaths(file: string, paths: readonly string[]): boolean {
  if (file.split(sep).includes('node_modules')) return false;
  return paths.some((p) => {
    const root = resolve(p);
    return file === root || file.startsWith(root.endsWith(sep) ? root : root + sep);
  });
}

interface Range {
  start: number;
  end: number;
  count: number;
  /** The whole of a function (its first range), as opposed to a block inside one. */
  isFunction: boolean;
}

/**
 * The innermost range holding `offset`. A function's own range does not hold the offset it
 * starts at: code there (`function f() {` with nothing before it) is the declaration, which ran
 * when the enclosing code did. The module's range (from 0) holds its first statement.
 */
function innermost(ranges: readonly Range[], offset: number): Range | undefined {
  let best: Range | undefined;
  for (const r of ranges) {
    const holds = (r.isFunction && r.start > 0 ? r.start < offset : r.start <= offset) && offset < r.end;
    if (holds && (!best || r.end - r.start < best.end - best.start)) best = r;
  }
  return best;
}

const CLOSERS = new Set(['}', ')', ']']);

/** Per original line (0-based), the segment where its first code starts. */
function lineStarts(segments: readonly Segment[], text: readonly string[]): Map<number, Segment> {
  const out = new Map<number, Segment>();
  for (const s of segments) {
    const ch = text[s.line]?.[s.column];
    // A closing bracket is the end of something that started on an earlier line.
    if (ch === undefined || CLOSERS.has(ch)) continue;
    const prev = out.get(s.line);
    if (!prev || s.column < prev.column || (s.column === prev.column && s.offset < prev.offset)) out.set(s.line, s);
  }
  return out;
}

/** Exact line hits of a transpiled script from its V8 ranges and its source map. */
export function mappedScriptCoverage(
  script: Profiler.ScriptCoverage, mappings: string, lineLengths: readonly number[], text: string, throws: readonly ThrowFrame[][] = [],
): FileCoverage {
  const file = fileURLToPath(script.url);
  const segments = decodeSegments(mappings, lineLengths);
  const lines = text.split('\n');
  const ranges: Range[] = script.functions.flatMap((fn) =>
    fn.ranges.map((r, i) => ({ start: r.startOffset, end: r.endOffset, count: r.count, isFunction: i === 0 })));
  const functions = ranges.filter((r) => r.isFunction);
  const starts = lineStarts(segments, lines);
  const f = emptyFileCoverage();
  for (const [line, seg] of starts) f.lines.set(line + 1, innermost(ranges, seg.offset)?.count ?? 0);

  for (const frames of throws) {
    for (const frame of frames) {
      if (frame.file !== file) continue;
      const at = throwOffset(segments, frame.line - 1, frame.column - 1);
      if (at === undefined) continue;
      const fn = innermost(functions, at);
      // The rest of the throwing statement (its arguments on later lines) ran before the call.
      const last = statementEndLine(text, frame.line - 1, frame.column - 1);
      for (const [line, seg] of starts) {
        if (line <= last || innermost(functions, seg.offset) !== fn) continue;
        const r = innermost(ranges, seg.offset);
        // The range was entered on the way to the throw, so its count includes a pass that
        // never reached this line. Ranges that do not hold the throw counted only real entries;
        // lines of other functions (an enclosing one) are not where the error went.
        if (r && r.start <= at && at < r.end) f.lines.set(line + 1, Math.max(0, (f.lines.get(line + 1) ?? 0) - 1));
      }
    }
  }

  const lineOf = (start: number, end: number) => segments.find((s) => s.offset >= start && s.offset < end)?.line;
  script.functions.forEach((fn) => {
    const [whole, ...blocks] = fn.ranges;
    if (!whole || whole.startOffset === 0) return; // the module itself
    const line = lineOf(whole.startOffset, whole.endOffset);
    // No code of the file inside: a helper the transpiler added (esbuild's __name).
    if (line === undefined) return;
    f.functions.set(`${fn.functionName || '(anonymous)'}@${line + 1}`, { line: line + 1, hits: whole.count });
    for (const b of blocks) {
      const bl = lineOf(b.startOffset, b.endOffset);
      // Keyed by the block's offset, which is the same in every process that ran this file.
      if (bl !== undefined) f.branches.set(`${bl + 1},${b.startOffset},0`, b.count);
    }
  });
  return f;
}

/**
 * The offset of the code at a stack frame's position: the last segment of its line at or before
 * its column (the frame points into the call), else the line's first.
 */
function throwOffset(segments: readonly Segment[], line: number, column: number): number | undefined {
  const onLine = segments.filter((s) => s.line === line).sort((a, b) => a.column - b.column);
  return (onLine.filter((s) => s.column <= column).at(-1) ?? onLine[0])?.offset;
}

/** A JavaScript file without a source map, through v8-to-istanbul. */
async function unmappedScriptCoverage(file: string, script: Profiler.ScriptCoverage): Promise<FileCoverage> {
  const converter = v8ToIstanbul(file, 0);
  await converter.load();
  converter.applyCoverage(script.functions);
  const fc = libCoverage.createFileCoverage(converter.toIstanbul()[file] ?? file);
  converter.destroy();
  const f = emptyFileCoverage();
  for (const [ln, hits] of Object.entries(fc.getLineCoverage())) f.lines.set(Number(ln), hits);
  for (const [id, meta] of Object.entries(fc.fnMap)) {
    f.functions.set(`${meta.name}@${meta.decl.start.line}`, { line: meta.decl.start.line, hits: fc.f[id] ?? 0 });
  }
  for (const [id, meta] of Object.entries(fc.branchMap)) {
    (fc.b[id] ?? []).forEach((hits, i) => f.branches.set(`${meta.loc.start.line},${id},${i}`, hits));
  }
  return f;
}

/**
 * lcov of the scripts under `paths` in every coverage-*.json of `v8Dir`; `throws` (pid -> the
 * frames of each error that ended a test body in that process) corrects the lines after them.
 */
export async function v8CoverageToTracefile(
  v8Dir: string, paths: readonly string[], throws: ReadonlyMap<number, ThrowFrame[][]> = new Map(),
): Promise<Tracefile> {
  const out: Tracefile = new Map();
  const files = existsSync(v8Dir) ? readdirSync(v8Dir).filter((n) => /^coverage-.*\.json$/.test(n)).sort() : [];
  for (const name of files) {
    const doc = JSON.parse(readFileSync(join(v8Dir, name), 'utf8')) as V8CoverageFile;
    const pid = Number(/^coverage-(\d+)-/.exec(name)?.[1]);
    const cache = doc['source-map-cache'] ?? {};
    for (const script of doc.result) {
      if (!script.url.startsWith('file://')) continue;
      const file = fileURLToPath(script.url);
      if (!isUnderPaths(file, paths) || !existsSync(file)) continue;
      const entry = cache[script.url];
      let f: FileCoverage;
      if (entry?.data?.mappings !== undefined && entry.lineLengths) {
        f = mappedScriptCoverage(script, entry.data.mappings, entry.lineLengths, readFileSync(file, 'utf8'), throws.get(pid));
      } else if (/\.[cm]?ts$/.test(file)) {
        // A TypeScript file without a source map cannot be mapped to its lines: leave it out
        // rather than report offsets of code the user never wrote.
        continue;
      } else {
        f = await unmappedScriptCoverage(file, script);
      }
      mergeTracefiles(out, new Map([[file, f]]));
    }
  }
  return out;
}
