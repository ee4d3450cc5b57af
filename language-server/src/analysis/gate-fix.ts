/**
 * Which gate to add so a scenario fits every cell a test expands to. Nothing here knows why a
 * scenario fails on a shape: for each gate it tries the smallest value that leaves out every
 * failing shape, expanding with core's planner and checking with core's validator (through the
 * callbacks), so the fix is exact for any cpuset, affinity or requirement the validator knows.
 * Runs only for a scenario that already fails somewhere, so edits of correct files pay nothing.
 */
import { type GauntletCell, resolveGates, type TestGates, type Topology, topologyLabel, totalCpus } from '@ktstr/core';
import { type Arch, presetsFor } from '@ktstr/presets';
import type { Node } from 'ts-morph';
import { setOptionEdits } from './fix-edits.js';
import type { Fix } from './types.js';

export interface GateFix {
  field: 'minLlcs' | 'minNumaNodes' | 'minCpus' | 'requiresSmt';
  value: number | boolean;
  /** Cells the test keeps with the gate added. */
  cells: number;
}

export interface GateFixSearch {
  /** The gates the test sets now (only the known ones). */
  gates: TestGates;
  arch: Arch;
  /** The test's cells with these gates, or undefined when core rejects them. */
  expand: (gates: TestGates) => GauntletCell[] | undefined;
  /** The scenario is valid on this shape. */
  fits: (topology: Topology) => boolean;
  /**
   * Values the validator itself names as the need (its remedy's `minCpus: 6` for CPU 5), tried
   * as well as the presets' values: any value between two presets' keeps the same cells, and
   * the stated need reads better than the next preset's size.
   */
  hints?: Partial<Record<GateFix['field'], number>>;
}

const HINTED = ['minLlcs', 'minCpus', 'minNumaNodes'] as const;

/**
 * The gate values a validator error names as the need: its `gate` when it carries one (core's
 * does-not-fit errors), else what its remedy text says, e.g. `requires: { minCpus: 6 }`.
 */
export function errorHints(e: { remedy: string; gate?: unknown }): Partial<Record<GateFix['field'], number>> {
  const hints: Partial<Record<GateFix['field'], number>> = {};
  for (const m of e.remedy.matchAll(/\b(minLlcs|minCpus|minNumaNodes):\s*(\d+)/g)) hints[m[1] as 'minLlcs'] = Number(m[2]);
  const gate = typeof e.gate === 'object' && e.gate !== null ? e.gate as Record<string, unknown> : {};
  for (const f of HINTED) if (Number.isInteger(gate[f])) hints[f] = gate[f] as number;
  return hints;
}

/** Each gate that makes the scenario fit every remaining cell, at its smallest value; most cells kept first. */
export function gateFixes({ gates, arch, expand, fits, hints = {} }: GateFixSearch): GateFix[] {
  const current = resolveGates(gates);
  const shapes = presetsFor(arch).map((p) => p.topology);
  const ascending = (field: GateFix['field'], f: (t: Topology) => number, above: number) =>
    [...new Set([...shapes.map(f), ...(hints[field] !== undefined ? [hints[field]] : [])])].filter((v) => v > above).sort((a, b) => a - b);
  const candidates: [GateFix['field'], (number | boolean)[]][] = [
    ['minLlcs', ascending('minLlcs', (t) => t.llcs, current.minLlcs)],
    ['minNumaNodes', ascending('minNumaNodes', (t) => t.numaNodes, current.minNumaNodes)],
    ['minCpus', ascending('minCpus', totalCpus, current.minCpus)],
    ['requiresSmt', current.requiresSmt ? [] : [true]],
  ];
  const verdicts = new Map<string, boolean>();
  const fitsOnce = (t: Topology) => {
    const key = topologyLabel(t);
    if (!verdicts.has(key)) verdicts.set(key, fits(t));
    return verdicts.get(key)!;
  };
  const fixes: GateFix[] = [];
  for (const [field, values] of candidates) {
    for (const value of values) {
      const cells = expand({ ...gates, [field]: value });
      if (!cells || cells.length === 0) break; // a larger value only removes more
      if (cells.every((c) => fitsOnce(c.topology))) {
        fixes.push({ field, value, cells: cells.length });
        break;
      }
    }
  }
  return fixes.sort((a, b) => b.cells - a.cells);
}

/** A test's gate search and where its fixes edit, as the checks of its body use them. */
export interface GateFixContext {
  /** The test's options argument, where a gate is added. */
  options: Node;
  /** The gates that make `fits` hold on every remaining cell; `error` is the validator's, for its hints. */
  search: (fits: (t: Topology) => boolean, error: { remedy: string; gate?: unknown }) => GateFix[];
  /** The fixes as quick fixes, the first preferred. */
  fixesFor: (fixes: readonly GateFix[]) => Fix[];
}

/** The quick fixes adding each gate to the test's `options` argument. */
export function gateQuickFixes(options: Node, fixes: readonly GateFix[]): Fix[] {
  return fixes.map((f, i) => ({
    title: `Add ${f.field}: ${f.value} to the test's gates (${f.cells} cell${f.cells === 1 ? '' : 's'} left)`,
    preferred: i === 0,
    edits: setOptionEdits(options, f.field, String(f.value)),
  }));
}
