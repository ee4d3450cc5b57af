import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGcovText } from './gcov-lcov.js';

test('gcov text becomes lines with hits per source; - lines are not executable', () => {
  const text = [
    '        -:    0:Source:/src/loader.c',
    '        -:    0:Graph:scx_ktstr.gcno',
    '        -:    1:#include <stdio.h>',
    '        3:    4:int main(void)',
    '    #####:    5:\tunused();',
    '       2*:    6:\tif (x) y();',
    '    =====:    7:\tthrow_path();',
    '        -:    0:Source:/src/helper.h',
    '       12:    2:static inline int f(void) { return 1; }',
  ].join('\n');
  const t = parseGcovText(text);
  assert.deepEqual([...t.get('/src/loader.c')!.lines], [[4, 3], [5, 0], [6, 2], [7, 0]]);
  assert.deepEqual([...t.get('/src/helper.h')!.lines], [[2, 12]]);
});
