/**
 * Failed cells whose scenario does not fit their preset (core marks them with
 * `kind: 'scenario-does-not-fit'` and the gate that rules the preset out) are one authoring
 * mistake per test, not N scheduler failures: the end-of-run summary shows them under one
 * heading, per test, with the gate to add and the presets it leaves out.
 */
import type { CellRecord, TestGates } from '@ktstr/core';

const NOT_FIT = 'scenario-does-not-fit';

export function doesNotFit(c: CellRecord): boolean {
  return c.status === 'failed' && c.kind === NOT_FIT;
}

/** The smallest gate that rules out every one of the cells: the largest minimum any of them needs. */
function mergeGates(gates: readonly TestGates[]): TestGates {
  const out: Record<string, number | boolean> = {};
  for (const g of gates) {
    for (const [k, v] of Object.entries(g)) {
      if (typeof v === 'number') out[k] = Math.max(v, typeof out[k] === 'number' ? out[k] : v);
      else if (v === true) out[k] = true;
    }
  }
  return out as TestGates;
}

const gateText = (g: TestGates) => `{ ${Object.entries(g).map(([k, v]) => `${k}: ${String(v)}`).join(', ')} }`;

export function doesNotFitSummary(cells: readonly CellRecord[]): string {
  const mine = cells.filter(doesNotFit);
  if (mine.length === 0) return '';
  const byTest = new Map<string, CellRecord[]>();
  for (const c of mine) byTest.set(c.test, [...(byTest.get(c.test) ?? []), c]);
  const out = ['', `scenario does not fit the preset: add a gate (${mine.length} cell${mine.length === 1 ? '' : 's'} of ${byTest.size} test${byTest.size === 1 ? '' : 's'}):`];
  for (const [test, cs] of byTest) {
    out.push(`  ${test}`);
    out.push(`    add ${gateText(mergeGates(cs.map((c) => c.gate ?? {})))} to its ktstrTest options; it then leaves out ${[...new Set(cs.map((c) => c.preset))].join(', ')}`);
    out.push(`    ${cs[0]!.preset}: ${cs[0]!.reason ?? '(no reason recorded)'}`);
  }
  return `${out.join('\n')}\n\n`;
}
