/**
 * lcov tracefiles (the `geninfo` format editors and CI read): parse, merge, format, summarise.
 * Host coverage (from V8) and guest coverage (from gcov) both become a `Tracefile`, are merged
 * here, and are written as one file. Written here rather than taken from a library because the
 * merge is a few dozen lines over a line-oriented format, and the npm packages that parse lcov do
 * not write it back.
 *
 * Records kept: SF, FN/FNDA (functions), DA (lines), BRDA (branches); the totals
 * (LF/LH, FNF/FNH, BRF/BRH) are recomputed when formatting. Merging sums hit counts per line,
 * per function name and per branch.
 */

export interface FileCoverage {
  /** Line number -> hits. */
  lines: Map<number, number>;
  /** Function name -> its first line and hits. */
  functions: Map<string, { line: number; hits: number }>;
  /** `line,block,branch` -> hits (null: the block never ran, lcov's `-`). */
  branches: Map<string, number | null>;
}

/** Source path -> its coverage. */
export type Tracefile = Map<string, FileCoverage>;

export function emptyFileCoverage(): FileCoverage {
  return { lines: new Map(), functions: new Map(), branches: new Map() };
}

function fileOf(t: Tracefile, path: string): FileCoverage {
  let f = t.get(path);
  if (!f) t.set(path, (f = emptyFileCoverage()));
  return f;
}

const count = (s: string): number => {
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? n : 0;
};

/** Reads lcov text; unknown records (TN, VER, LF, ...) are skipped, as lcov itself does. */
export function parseLcov(text: string): Tracefile {
  const out: Tracefile = new Map();
  let cur: FileCoverage | undefined;
  const fnLines = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const colon = line.indexOf(':');
    const tag = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1);
    if (tag === 'SF') {
      cur = fileOf(out, value);
      fnLines.clear();
    } else if (tag === 'end_of_record') {
      cur = undefined;
    } else if (!cur) {
      continue;
    } else if (tag === 'DA') {
      const [ln, hits] = value.split(',');
      const n = Number(ln);
      if (Number.isInteger(n)) cur.lines.set(n, (cur.lines.get(n) ?? 0) + count(hits ?? '0'));
    } else if (tag === 'FN') {
      const comma = value.indexOf(',');
      const name = value.slice(comma + 1);
      fnLines.set(name, Number(value.slice(0, comma)));
      if (!cur.functions.has(name)) cur.functions.set(name, { line: Number(value.slice(0, comma)), hits: 0 });
    } else if (tag === 'FNDA') {
      const comma = value.indexOf(',');
      const name = value.slice(comma + 1);
      const f = cur.functions.get(name) ?? { line: fnLines.get(name) ?? 0, hits: 0 };
      f.hits += count(value.slice(0, comma));
      cur.functions.set(name, f);
    } else if (tag === 'BRDA') {
      const parts = value.split(',');
      if (parts.length !== 4) continue;
      const key = parts.slice(0, 3).join(',');
      const hits = parts[3] === '-' ? null : count(parts[3]!);
      const prev = cur.branches.get(key);
      cur.branches.set(key, prev === undefined ? hits : hits === null ? prev : (prev ?? 0) + hits);
    }
  }
  return out;
}

/** Adds `from` into `into` (hits summed) and returns `into`. */
export function mergeTracefiles(into: Tracefile, from: Tracefile): Tracefile {
  for (const [path, f] of from) {
    const t = fileOf(into, path);
    for (const [ln, hits] of f.lines) t.lines.set(ln, (t.lines.get(ln) ?? 0) + hits);
    for (const [name, fn] of f.functions) {
      const prev = t.functions.get(name);
      t.functions.set(name, { line: prev?.line ?? fn.line, hits: (prev?.hits ?? 0) + fn.hits });
    }
    for (const [key, hits] of f.branches) {
      const prev = t.branches.get(key);
      t.branches.set(key, prev === undefined ? hits : hits === null ? prev : (prev ?? 0) + hits);
    }
  }
  return into;
}

const byBranchKey = (a: string, b: string): number => {
  const x = a.split(',').map(Number);
  const y = b.split(',').map(Number);
  return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
};

/** lcov text, files sorted by path and records by line, so equal coverage gives equal files. */
export function formatLcov(t: Tracefile): string {
  const out: string[] = [];
  for (const path of [...t.keys()].sort()) {
    const f = t.get(path)!;
    out.push('TN:', `SF:${path}`);
    const fns = [...f.functions].sort((a, b) => a[1].line - b[1].line || a[0].localeCompare(b[0]));
    for (const [name, fn] of fns) out.push(`FN:${fn.line},${name}`);
    for (const [name, fn] of fns) out.push(`FNDA:${fn.hits},${name}`);
    out.push(`FNF:${fns.length}`, `FNH:${fns.filter(([, fn]) => fn.hits > 0).length}`);
    const branches = [...f.branches].sort((a, b) => byBranchKey(a[0], b[0]));
    for (const [key, hits] of branches) out.push(`BRDA:${key},${hits === null ? '-' : hits}`);
    out.push(`BRF:${branches.length}`, `BRH:${branches.filter(([, h]) => (h ?? 0) > 0).length}`);
    const lines = [...f.lines].sort((a, b) => a[0] - b[0]);
    for (const [ln, hits] of lines) out.push(`DA:${ln},${hits}`);
    out.push(`LF:${lines.length}`, `LH:${lines.filter(([, h]) => h > 0).length}`, 'end_of_record');
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

export interface FileSummary {
  file: string;
  linesHit: number;
  linesTotal: number;
  functionsHit: number;
  functionsTotal: number;
}

export function summarizeTracefile(t: Tracefile): FileSummary[] {
  return [...t.keys()].sort().map((file) => {
    const f = t.get(file)!;
    const fns = [...f.functions.values()];
    return {
      file,
      linesHit: [...f.lines.values()].filter((h) => h > 0).length,
      linesTotal: f.lines.size,
      functionsHit: fns.filter((fn) => fn.hits > 0).length,
      functionsTotal: fns.length,
    };
  });
}
