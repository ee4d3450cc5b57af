/** The lenses above each test: run all its cells, run on chosen topologies, debug one cell. */
import type { CodeLens } from 'vscode-languageserver';
import type { FileAnalysis } from '../analysis/types.js';
import { COMMANDS } from './commands.js';
import { testArgs } from './test-args.js';

export function codeLensesOf(analysis: FileAnalysis | undefined): CodeLens[] {
  const lenses: CodeLens[] = [];
  for (const t of analysis?.tests ?? []) {
    const range = { start: t.range.start, end: t.range.start };
    const args = testArgs(t);
    if (t.cells.length === 0) {
      // Still runnable by name; the runner expands it when the values exist.
      const why = t.unresolved ?? 'no cells';
      lenses.push({ range, command: { title: `Run (cells at run time: ${why})`, command: COMMANDS.runCells, arguments: [args] } });
      continue;
    }
    const n = t.cells.length;
    lenses.push({ range, command: { title: `Run (${n} cell${n === 1 ? '' : 's'})`, command: COMMANDS.runCells, arguments: [args] } });
    lenses.push({ range, command: { title: 'Run on topology…', command: COMMANDS.runOnTopology, arguments: [args] } });
    lenses.push({ range, command: { title: 'Debug cell…', command: COMMANDS.debugCell, arguments: [args] } });
  }
  return lenses;
}
