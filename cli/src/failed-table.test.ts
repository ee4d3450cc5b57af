import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CellRecord } from '@ktstr/core';
import { failedTable } from './progress.js';

const dump = (cell: string) => ({
  version: 1, cell, kind: 'assertion', madeAt: '2026-12-01T18:00:00.000Z', scheduler: 'ktstr', bugSummary: `iterations too low in ${cell}`,
  exitDumpMissing: 'the scheduler did not exit', monitor: { enabled: false, reason: 'off', samples: [], omitted: 0 },
  bpfMaps: { unavailable: 'n/a' }, timeline: [], timelineOmitted: 0, consoleTail: ['last console line'], schedulerOutputTail: [], error: 'x',
});

test('failed cells show their dumps, the first few whole and the rest as their BUG SUMMARY; cells without one their reason', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-failed-table-'));
  try {
    const cells = ['a', 'b', 'c'].map((n) => {
      const file = join(dir, `${n}.failure-dump.json`);
      writeFileSync(file, JSON.stringify(dump(n)));
      return { name: n, status: 'failed', reason: `reason ${n}`, failureDump: file } as CellRecord;
    });
    const plain = { name: 'd', status: 'failed', reason: 'reason d', detail: ['why d'], failureDump: join(dir, 'gone.json') } as CellRecord;
    const out = failedTable([...cells, plain], 2);
    assert.match(out, /failed cells \(4\):\n {2}a\n {4}BUG SUMMARY: iterations too low in a\n {4}--- kernel sched_ext exit dump: none/);
    assert.match(out, / {2}b\n {4}BUG SUMMARY: iterations too low in b\n {4}--- kernel/);
    assert.match(out, / {2}c\n {4}BUG SUMMARY: iterations too low in c\n {4}failure dump: .*c\.failure-dump\.json\n/, 'past the limit: the summary and the file');
    assert.match(out, / {2}d\n {4}reason d\n {4}why d\n/, 'an unreadable dump falls back on the reason and its lines');
    assert.equal((out.match(/--- console/g) ?? []).length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
