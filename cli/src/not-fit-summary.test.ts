import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CellRecord } from '@ktstr/core';
import { doesNotFit, doesNotFitSummary } from './not-fit-summary.js';

const cell = (test: string, preset: string, more: Partial<CellRecord>): CellRecord => ({
  name: `${test}/${preset}/k`, test, preset, kernel: 'k', scheduler: 's', topology: 't', status: 'failed', durationMs: 1, finishedAt: '', ...more,
});

test('cells whose scenario does not fit are grouped per test under one heading, with the gate to add', () => {
  const cells = [
    cell('pinned', 'tiny-1llc', { kind: 'scenario-does-not-fit', gate: { minLlcs: 2 }, reason: 'cgroups[1].cpuset: LLC 1 does not exist on tiny-1llc (1 LLCs)' }),
    cell('pinned', 'odd-3llc', { kind: 'scenario-does-not-fit', gate: { minLlcs: 4 }, reason: 'LLC 3 does not exist on odd-3llc' }),
    cell('numa', 'tiny-2llc', { kind: 'scenario-does-not-fit', gate: { minNumaNodes: 2 }, reason: 'NUMA node 1 does not exist on tiny-2llc' }),
    cell('stall', 'tiny-2llc', { reason: 'no progress' }),
  ];
  assert.deepEqual(cells.map(doesNotFit), [true, true, true, false]);
  assert.equal(doesNotFitSummary(cells), [
    '',
    'scenario does not fit the preset: add a gate (3 cells of 2 tests):',
    '  pinned',
    '    add { minLlcs: 4 } to its ktstrTest options; it then leaves out tiny-1llc, odd-3llc',
    '    tiny-1llc: cgroups[1].cpuset: LLC 1 does not exist on tiny-1llc (1 LLCs)',
    '  numa',
    '    add { minNumaNodes: 2 } to its ktstrTest options; it then leaves out tiny-2llc',
    '    tiny-2llc: NUMA node 1 does not exist on tiny-2llc',
    '', '',
  ].join('\n'));
  assert.equal(doesNotFitSummary([cells[3]!]), '');
});
