import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLcov, mergeTracefiles, parseLcov, summarizeTracefile } from './lcov.js';

const hostRun = `TN:
SF:/src/a.test.ts
FN:3,setup
FNDA:1,setup
DA:3,1
DA:4,1
DA:9,0
BRDA:4,0,0,1
BRDA:4,0,1,-
end_of_record
`;
const secondRun = `SF:/src/a.test.ts
FN:3,setup
FNDA:2,setup
DA:3,2
DA:9,5
DA:12,0
BRDA:4,0,1,3
end_of_record
SF:/native/scheduler/scx_ktstr.c
DA:10,7
end_of_record
`;

test('merging two tracefiles of the same file sums the hits per line, function and branch', () => {
  const merged = mergeTracefiles(parseLcov(hostRun), parseLcov(secondRun));
  const a = merged.get('/src/a.test.ts')!;
  assert.deepEqual([...a.lines].sort((x, y) => x[0] - y[0]), [[3, 3], [4, 1], [9, 5], [12, 0]]);
  assert.deepEqual(a.functions.get('setup'), { line: 3, hits: 3 });
  // A branch that never ran in one run ('-') takes the other run's count.
  assert.equal(a.branches.get('4,0,0'), 1);
  assert.equal(a.branches.get('4,0,1'), 3);
  assert.deepEqual([...merged.get('/native/scheduler/scx_ktstr.c')!.lines], [[10, 7]]);
});

test('formatting writes sorted records with recomputed totals, and reads back the same', () => {
  const merged = mergeTracefiles(parseLcov(hostRun), parseLcov(secondRun));
  const text = formatLcov(merged);
  assert.match(text, /SF:\/native\/scheduler\/scx_ktstr\.c\n[\s\S]*DA:10,7\nLF:1\nLH:1\nend_of_record/);
  assert.match(text, /SF:\/src\/a\.test\.ts\nFN:3,setup\nFNDA:3,setup\nFNF:1\nFNH:1\nBRDA:4,0,0,1\nBRDA:4,0,1,3\nBRF:2\nBRH:2\nDA:3,3\nDA:4,1\nDA:9,5\nDA:12,0\nLF:4\nLH:3\nend_of_record/);
  assert.ok(text.indexOf('scx_ktstr.c') < text.indexOf('a.test.ts'), 'files are sorted by path');
  assert.equal(formatLcov(parseLcov(text)), text);
});

test('the summary counts hit and total lines and functions per file', () => {
  const summary = summarizeTracefile(parseLcov(hostRun));
  assert.deepEqual(summary, [{ file: '/src/a.test.ts', linesHit: 2, linesTotal: 3, functionsHit: 1, functionsTotal: 1 }]);
});

test('records outside an SF block and unknown tags are ignored', () => {
  const t = parseLcov('DA:1,1\nVER:2\nSF:/x.c\nXX:1\nDA:2,1\nend_of_record\nDA:5,5\n');
  assert.deepEqual([...t.keys()], ['/x.c']);
  assert.deepEqual([...t.get('/x.c')!.lines], [[2, 1]]);
});
