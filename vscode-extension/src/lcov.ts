/**
 * A reader for lcov tracefiles (what `ktstr coverage` writes: host V8 coverage of the test files
 * merged with guest gcov coverage of the scheduler's loader). Only the records the editor shows:
 * per-file line hits, function hits and branch hits. No `vscode` import: unit-tested under node.
 */
export interface LcovFile {
  path: string;
  /** line (1-based) -> hit count */
  lines: Map<number, number>;
  functions: { name: string; line: number; hits: number }[];
  /** line -> hits of each branch on it */
  branches: Map<number, number[]>;
}

export function parseLcov(text: string): LcovFile[] {
  const files: LcovFile[] = [];
  let cur: LcovFile | undefined;
  const fnLines = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const colon = line.indexOf(':');
    const tag = colon < 0 ? line : line.slice(0, colon);
    const rest = colon < 0 ? '' : line.slice(colon + 1);
    if (tag === 'SF') {
      cur = { path: rest, lines: new Map(), functions: [], branches: new Map() };
      fnLines.clear();
      files.push(cur);
    } else if (tag === 'end_of_record') {
      cur = undefined;
    } else if (!cur) {
      continue;
    } else if (tag === 'DA') {
      const [ln, hits] = rest.split(',');
      const n = Number(ln);
      if (Number.isInteger(n) && n > 0) cur.lines.set(n, (cur.lines.get(n) ?? 0) + Number(hits ?? 0));
    } else if (tag === 'FN') {
      const comma = rest.indexOf(',');
      fnLines.set(rest.slice(comma + 1), Number(rest.slice(0, comma)));
    } else if (tag === 'FNDA') {
      const comma = rest.indexOf(',');
      const name = rest.slice(comma + 1);
      cur.functions.push({ name, line: fnLines.get(name) ?? 0, hits: Number(rest.slice(0, comma)) });
    } else if (tag === 'BRDA') {
      const [ln, , , taken] = rest.split(',');
      const n = Number(ln);
      if (!Number.isInteger(n) || n <= 0) continue;
      cur.branches.set(n, [...(cur.branches.get(n) ?? []), taken === '-' || taken === undefined ? 0 : Number(taken)]);
    }
  }
  return files;
}
