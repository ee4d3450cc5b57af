import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeRuns, summarise } from './merge.js';
import type { CellRecord, RunResults } from './run-results.js';

const cell = (name: string, status: CellRecord['status'], scheduler = 's', durationMs = 1000): CellRecord => ({
  name, test: name.split('/')[0]!, preset: 'tiny-2llc', kernel: 'k', scheduler, topology: '1n2l2c1t', status, durationMs, finishedAt: '2026-01-01T00:00:00Z',
});
const run = (shard: string, cells: CellRecord[], startedAt = '2026-01-01T00:00:00Z'): RunResults => ({ version: 1, startedAt, finishedAt: startedAt, shards: [shard], cells });

test('merging shards joins their cells once, sorted, with every shard named', () => {
  const m = mergeRuns([
    { source: 'b.json', results: run('2/2', [cell('b/x/k', 'failed'), cell('c/x/k', 'skipped')], '2026-01-01T00:00:05Z') },
    { source: 'a.json', results: run('1/2', [cell('a/x/k', 'passed')]) },
  ]);
  assert.deepEqual(m.cells.map((c) => c.name), ['a/x/k', 'b/x/k', 'c/x/k']);
  assert.deepEqual(m.shards, ['1/2', '2/2']);
  assert.equal(m.startedAt, '2026-01-01T00:00:00Z');
});

test('a cell run by two shards is an error; a real result replaces a skip', () => {
  assert.throws(() => mergeRuns([
    { source: 'a.json', results: run('1/2', [cell('a/x/k', 'passed')]) },
    { source: 'b.json', results: run('2/2', [cell('a/x/k', 'failed')]) },
  ]), /b.json: repeats cell a\/x\/k, already in a.json/);
  const m = mergeRuns([
    { source: 'a.json', results: run('1/2', [cell('a/x/k', 'skipped')]) },
    { source: 'b.json', results: run('2/2', [cell('a/x/k', 'passed')]) },
  ]);
  assert.equal(m.cells[0]!.status, 'passed');
  assert.throws(() => mergeRuns([{ source: 'x.json', results: { cells: [] } as unknown as RunResults }]), /x.json: is not a ktstr results file/);
});

test('the summary groups cells per scheduler with polars', async () => {
  const rows = await summarise(run('1/1', [cell('a', 'passed', 'scx', 1500), cell('b', 'failed', 'scx', 500), cell('c', 'skipped', 'eevdf', 0)]));
  assert.deepEqual(rows, [
    { scheduler: 'eevdf', passed: 0, failed: 0, skipped: 1, seconds: 0 },
    { scheduler: 'scx', passed: 1, failed: 1, skipped: 0, seconds: 2 },
  ]);
});
