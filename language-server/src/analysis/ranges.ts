/** Source positions as LSP ranges (zero-based lines and characters). */
import type { Node, SourceFile } from 'ts-morph';
import type { Range } from './types.js';

/** The range between two offsets of `sf`. */
export function spanRange(sf: SourceFile, start: number, end: number): Range {
  const a = sf.getLineAndColumnAtPos(start);
  const b = sf.getLineAndColumnAtPos(end);
  return { start: { line: a.line - 1, character: a.column - 1 }, end: { line: b.line - 1, character: b.column - 1 } };
}

export function rangeOf(node: Node): Range {
  return spanRange(node.getSourceFile(), node.getStart(), node.getEnd());
}
