import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLcov } from './lcov.js';

test('lcov records become per-file lines, functions and branches', () => {
  const files = parseLcov([
    'TN:', 'SF:/w/tests/a.test.ts', 'FN:3,body', 'FNDA:2,body', 'DA:3,2', 'DA:4,0', 'BRDA:4,0,0,1', 'BRDA:4,0,1,-', 'end_of_record',
    'SF:/w/loader.c', 'DA:10,5', 'DA:10,1', 'end_of_record', 'DA:99,1',
  ].join('\n'));
  assert.deepEqual(files.map((f) => f.path), ['/w/tests/a.test.ts', '/w/loader.c']);
  assert.deepEqual([...files[0]!.lines], [[3, 2], [4, 0]]);
  assert.deepEqual(files[0]!.functions, [{ name: 'body', line: 3, hits: 2 }]);
  assert.deepEqual([...files[0]!.branches], [[4, [1, 0]]]);
  assert.deepEqual([...files[1]!.lines], [[10, 6]], 'merged hits of host and guest runs add up; records outside SF are ignored');
});
