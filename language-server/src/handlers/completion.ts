/**
 * Completion where ktstr knows the vocabulary: work types after `work.`, preset shapes in a
 * `topology:` string, gate and option names in ktstrTest options, scheduler constants after
 * `scheduler:`. Decided from the text before the cursor: cheap, and right while the user types
 * code that does not parse yet.
 */
import { type CompletionItem, CompletionItemKind, type Position } from 'vscode-languageserver';
import { BUILTIN_MODULE, BUILTIN_SCHEDULERS, GATE_FIELDS, work } from '@ktstr/core';
import { PRESETS } from '@ktstr/presets';
import type { SchedulerSummary } from '../analysis/types.js';

const TEST_OPTIONS = ['scheduler', 'topology', 'arch', 'durationMs', 'timeoutMs', 'memoryMiB', 'extraSchedArgs', 'performanceMode', 'noPerfMode', 'config', 'monitor', 'monitorIntervalMs', 'numSnapshots', 'freshAttach', 'thresholds', 'autoRepro', ...GATE_FIELDS];

export interface CompletionContext {
  lineText: string;
  pos: Position;
  /** The cursor is inside a ktstrTest options object literal. */
  inTestOptions: boolean;
  schedulers: readonly SchedulerSummary[];
  arch: 'x86_64' | 'aarch64';
}

export function completionsAt({ lineText, pos, inTestOptions, schedulers, arch }: CompletionContext): CompletionItem[] {
  const before = lineText.slice(0, pos.character);
  if (/\bwork\.\w*$/.test(before)) {
    return Object.keys(work).map((name) => ({ label: name, kind: CompletionItemKind.Function, detail: 'ktstr work type', insertText: `${name}()` }));
  }
  const inTopologyString = /\btopology\s*:\s*(['"])[\w-]*$/.exec(before);
  if (inTopologyString) {
    // A test's topology is a shape: the preset's name picks it, the text becomes its literal.
    const quoteStart = before.lastIndexOf(inTopologyString[1]!);
    const closing = lineText[pos.character] === inTopologyString[1] ? 1 : 0;
    return PRESETS.filter((p) => p.arches.includes(arch)).map((p, i) => ({
      label: p.name, kind: CompletionItemKind.Value, detail: `${p.description}`, sortText: String(i).padStart(3, '0'),
      filterText: `${inTopologyString[1]}${p.name}`,
      textEdit: {
        range: { start: { line: pos.line, character: quoteStart }, end: { line: pos.line, character: pos.character + closing } },
        newText: `{ numaNodes: ${p.topology.numaNodes}, llcs: ${p.topology.llcs}, coresPerLlc: ${p.topology.coresPerLlc}, threadsPerCore: ${p.topology.threadsPerCore} }`,
      },
    }));
  }
  if (/\bscheduler\s*:\s*\w*$/.test(before)) {
    return [
      ...schedulers.filter((s) => s.binding).map((s) => ({
        label: s.binding!, kind: CompletionItemKind.Constant, detail: `scheduler ${s.name ?? '?'} (${s.path})`,
      })),
      // Core's own, importable from @ktstr/core in any workspace.
      ...Object.entries(BUILTIN_SCHEDULERS).map(([binding, d]) => ({
        label: binding, kind: CompletionItemKind.Constant, detail: `scheduler ${d.name} (${BUILTIN_MODULE})`,
      })),
    ];
  }
  if (inTestOptions && /(^|[{,])\s*\w*$/.test(before)) {
    return TEST_OPTIONS.map((o) => ({ label: o, kind: CompletionItemKind.Property, detail: 'ktstrTest option' }));
  }
  return [];
}
