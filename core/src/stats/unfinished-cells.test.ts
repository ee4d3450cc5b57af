import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endedAbnormally, howTestProcessEnded, notStartedCells, unfinishedCells } from './unfinished-cells.js';
import type { CellEvent } from './run-results.js';

const cell = (name: string) => ({ name, test: name.split('/')[0]!, preset: 'tiny', kernel: '7.2', scheduler: 'eevdf', topology: '1n1l2c1t' });

test('a cell that started and never ended becomes a failure that says its process died', () => {
  const events: CellEvent[] = [
    { event: 'start', name: 'a/tiny/7.2', at: new Date(Date.now() - 1000).toISOString(), pid: 42 },
    { event: 'end', ...cell('a/tiny/7.2'), status: 'passed', durationMs: 900, finishedAt: new Date().toISOString() },
    { event: 'start', name: 'b/tiny/7.2', at: new Date(Date.now() - 500).toISOString(), pid: 42 },
  ];
  const out = unfinishedCells(events, [cell('a/tiny/7.2'), cell('b/tiny/7.2'), cell('c/tiny/7.2')], 'killed by SIGKILL');
  assert.equal(out.length, 1, 'only b: a ended, c never started');
  assert.equal(out[0]!.name, 'b/tiny/7.2');
  assert.equal(out[0]!.status, 'failed');
  assert.match(out[0]!.reason!, /pid 42\) died before the cell ended: killed by SIGKILL/);
  assert.ok(out[0]!.durationMs >= 400);
});

test("node's report names the signal or the exit code of a test file's process", () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-unfinished-'));
  try {
    const report = join(dir, 'job-1.tap');
    writeFileSync(report, "not ok 1 - file.ktstr.ts\n  ---\n  exitCode: ~\n  signal: 'SIGKILL'\n  error: 'test failed'\n");
    assert.equal(howTestProcessEnded(report, { code: 1, signal: null }), 'killed by SIGKILL');
    writeFileSync(report, '  exitCode: 130\n  signal: ~\n');
    assert.equal(howTestProcessEnded(report, { code: 1, signal: null }), 'exited with code 130');
    assert.equal(howTestProcessEnded(join(dir, 'none'), { code: null, signal: 'SIGINT' }), 'the test runner died of SIGINT');
    assert.equal(howTestProcessEnded(report, { code: 1, signal: null, interrupted: 'SIGINT' }), 'the run was interrupted (SIGINT)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cells an interrupted test process never started are skips that say why, not missing', () => {
  const events: CellEvent[] = [
    { event: 'start', name: 'a/tiny/7.2', at: new Date().toISOString(), pid: 42 },
    { event: 'end', ...cell('a/tiny/7.2'), status: 'passed', durationMs: 900, finishedAt: new Date().toISOString() },
    { event: 'start', name: 'b/tiny/7.2', at: new Date().toISOString(), pid: 42 },
  ];
  const out = notStartedCells(events, [cell('a/tiny/7.2'), cell('b/tiny/7.2'), cell('c/tiny/7.2')], 'the run was interrupted (SIGINT)');
  assert.deepEqual(out.map((c) => [c.name, c.status]), [['c/tiny/7.2', 'skipped']], 'a ended and b started (unfinishedCells has it): only c');
  assert.match(out[0]!.reason!, /^not run: its test process ended before it started the cell \(the run was interrupted \(SIGINT\)\)$/);
  assert.equal(endedAbnormally('the run was interrupted (SIGINT)'), true);
  assert.equal(endedAbnormally('killed by SIGKILL'), true);
  assert.equal(endedAbnormally('exited with code 1'), false, 'a file that failed a test exits 1 and ran all it could');
});
