/**
 * Quick fixes: the analysis attaches fixes to its problems; this answers a codeAction request
 * with those of the problems under the requested range, each tied to its diagnostic.
 */
import { type CodeAction, CodeActionKind, type Range } from 'vscode-languageserver';
import type { FileAnalysis } from '../analysis/types.js';
import { diagnosticOf } from './diagnostics.js';

function overlaps(a: Range, b: Range): boolean {
  const before = (p: Range['start'], q: Range['start']) => p.line < q.line || (p.line === q.line && p.character <= q.character);
  return before(a.start, b.end) && before(b.start, a.end);
}

export function codeActionsOf(analysis: FileAnalysis | undefined, uri: string, range: Range): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const p of analysis?.problems ?? []) {
    if (!p.fixes || !overlaps(p.range, range)) continue;
    for (const f of p.fixes) {
      actions.push({
        title: f.title, kind: CodeActionKind.QuickFix, diagnostics: [diagnosticOf(p)], isPreferred: f.preferred,
        edit: { changes: { [uri]: f.edits } },
      });
    }
  }
  return actions;
}
