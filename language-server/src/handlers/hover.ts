/** Hover on a test: its cells, the home cell marked, and the shapes its gates leave out. */
import type { Hover, Position } from 'vscode-languageserver';
import type { FileAnalysis, Range } from '../analysis/types.js';
import { cellArg } from './test-args.js';

export function contains(r: Range, p: Position): boolean {
  const after = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
  const before = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
  return after && before;
}

const MAX_EXCLUDED = 8;

export function hoverOf(analysis: FileAnalysis | undefined, pos: Position): Hover | null {
  // The innermost test around the cursor (tests do not nest, but be exact anyway).
  const t = (analysis?.tests ?? []).filter((x) => contains(x.range, pos)).at(-1);
  if (!t) return null;
  const lines = [`**ktstr test** \`${t.name ?? '(name computed at run time)'}\` — scheduler ${t.scheduler?.name ?? 'eevdf (kernel default)'}`, ''];
  if (t.cells.length === 0) {
    lines.push(`Cells: known at run time (${t.unresolved ?? 'unknown'}).`);
  } else {
    lines.push(`${t.cells.length} cell${t.cells.length === 1 ? '' : 's'}:`, '');
    for (const c of t.cells.map(cellArg)) lines.push(`- \`${c.name}\` — ${c.topology}${c.home ? ' (home)' : ''}`);
    if (t.excluded.length > 0) {
      lines.push('', `Not run on: ${t.excluded.slice(0, MAX_EXCLUDED).map((e) => `${e.preset} (${e.reason})`).join('; ')}`
        + (t.excluded.length > MAX_EXCLUDED ? `; and ${t.excluded.length - MAX_EXCLUDED} more` : ''));
    }
  }
  return { contents: { kind: 'markdown', value: lines.join('\n') }, range: t.range };
}
