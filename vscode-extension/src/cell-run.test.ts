import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellFilter, LineSplitter, matchCell, parseRunResults, testCommandArgs } from './cell-run.js';

const cell = (name: string) => ({ name, preset: 'tiny-2llc', topology: '1n2l2c1t', kernel: '7.2', home: true });

test('the filter selects exactly the chosen cells, with regex characters escaped', () => {
  const re = new RegExp(cellFilter('t', [cell('t (x)/tiny-2llc/7.2'), cell('t (x)/smt-2llc/7.2')])!);
  assert.ok(re.test('t (x)/tiny-2llc/7.2'));
  assert.ok(re.test('t (x)/smt-2llc/7.2'));
  assert.ok(!re.test('t (x)/odd-3llc/7.2'));
  assert.ok(!re.test('t xx/tiny-2llc/7.2'), 'parentheses and dots are literal');
  assert.ok(!re.test('t (x)/tiny-2llc/7.20'), 'anchored at the end');
});

test('named cells run with --gauntlet; a whole test by its name prefix', () => {
  assert.deepEqual(testCommandArgs('/w/a.test.ts', 'fair', [cell('fair/smt-2llc/7.2')]),
    ['test', '/w/a.test.ts', '--json', '--gauntlet', '--filter', '^(?:fair/smt-2llc/7\\.2)$']);
  assert.deepEqual(testCommandArgs('/w/a.test.ts', 'fair', []), ['test', '/w/a.test.ts', '--json', '--filter', '^fair/']);
  assert.deepEqual(testCommandArgs('/w/a.test.ts', undefined, []), ['test', '/w/a.test.ts', '--json']);
});

test('the results document becomes outcomes with the failure reason', () => {
  const doc = JSON.stringify({ version: 1, startedAt: '', finishedAt: '', shards: ['1/1'], cells: [
    { name: 't/tiny-2llc/7.2', status: 'failed', reason: 'scheduler exited: stall on cpu 1', durationMs: 12 },
    { name: 't/smt-2llc/7.2', status: 'skipped', reason: 'no KVM', durationMs: 0 },
    { name: 't/odd-3llc/7.2', status: 'passed', durationMs: 30 },
  ] }, null, 2);
  const out = parseRunResults(`${doc}\n`)!;
  assert.deepEqual(out.map((o) => [o.status, o.error, o.skipReason]), [
    ['failed', 'scheduler exited: stall on cpu 1', undefined], ['skipped', undefined, 'no KVM'], ['passed', undefined, undefined]]);
  assert.equal(parseRunResults('ktstr: error before planning'), undefined);
  assert.equal(parseRunResults('{"cells": 3}'), undefined);
});

test('outcomes map to cells by exact name, else by containing it', () => {
  const cells = [cell('t/tiny-2llc/7.2'), cell('t/smt-2llc/7.2')];
  const out = (name: string) => ({ name, status: 'passed' as const, durationMs: 1, error: undefined, skipReason: undefined });
  assert.equal(matchCell(out('t/smt-2llc/7.2'), cells)?.name, 't/smt-2llc/7.2');
  assert.equal(matchCell(out('file > t/tiny-2llc/7.2'), cells)?.name, 't/tiny-2llc/7.2');
  assert.equal(matchCell(out('other'), cells), undefined);
});

test('lines split across chunks are reassembled', () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push('ktstr: boo'), []);
  assert.deepEqual(s.push('t\nktstr: x'), ['ktstr: boot']);
  assert.deepEqual(s.end(), ['ktstr: x']);
});

test('coverage runs the same cells through ktstr coverage, writing lcov', async () => {
  const { coverageCommandArgs } = await import('./cell-run.js');
  assert.deepEqual(coverageCommandArgs('/w/a.test.ts', 'fair', [cell('fair/smt-2llc/7.2')], '/tmp/c.lcov'),
    ['coverage', '/w/a.test.ts', '--json', '--gauntlet', '--filter', '^(?:fair/smt-2llc/7\\.2)$', '--lcov', '/tmp/c.lcov']);
});

test('a record keeps what explains it: detail, detail file, body output, metrics, timing; wrong types are dropped', async () => {
  const { outcomeFromRecord } = await import('./cell-run.js');
  const o = outcomeFromRecord({ name: 't/a/7.2', status: 'failed', reason: 'stall', detail: ['a', 3, 'b'], detailFile: '/tmp/d.log',
    output: 'hi\n', metrics: { run: { totalIterations: 5 }, cgroups: {}, steps: [] }, timing: { bootMs: 1, bootedHow: 'cold', scenarioMs: 2, totalMs: 3 } })!;
  assert.deepEqual([o.detail, o.detailFile, o.output, o.metrics?.run.totalIterations, o.timing?.totalMs], [['a', 'b'], '/tmp/d.log', 'hi\n', 5, 3]);
  const bad = outcomeFromRecord({ name: 't/a/7.2', status: 'passed', detail: 'x', detailFile: 1, output: '', metrics: [1], timing: 'soon' })!;
  assert.deepEqual([bad.detail, bad.detailFile, bad.output, bad.metrics, bad.timing], [undefined, undefined, undefined, undefined, undefined]);
  assert.equal(outcomeFromRecord({ status: 'passed' }), undefined);
  assert.equal(outcomeFromRecord(null), undefined);
});
