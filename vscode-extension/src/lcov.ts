/**
 * lcov tracefiles (what `ktstr coverage` writes: host V8 coverage of the test files merged with
 * guest gcov coverage of the scheduler's loader) in the shape the editor shows: per-file line
 * hits, function hits and branch hits per line. Parsing is core's (`@ktstr/core/lcov`, a pure
 * module, so the bundle stays free of the engine). No `vscode` import: unit-tested under node.
 */
import { parseLcov as parseTracefile } from '@ktstr/core/lcov';

export interface LcovFile {
  path: string;
  /** line (1-based) -> hit count */
  lines: Map<number, number>;
  functions: { name: string; line: number; hits: number }[];
  /** line -> hits of each branch on it */
  branches: Map<number, number[]>;
}

export function parseLcov(text: string): LcovFile[] {
  return [...parseTracefile(text)].map(([path, f]) => {
    const branches = new Map<number, number[]>();
    for (const [key, hits] of f.branches) {
      const line = Number(key.split(',')[0]);
      if (!Number.isInteger(line) || line <= 0) continue;
      branches.set(line, [...(branches.get(line) ?? []), hits ?? 0]);
    }
    return {
      path,
      lines: new Map([...f.lines].filter(([line]) => line > 0)),
      functions: [...f.functions].map(([name, { line, hits }]) => ({ name, line, hits })),
      branches,
    };
  });
}
