import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statementEndLine } from './statement-end.js';

const body = [
  'async (vm) => {', //                                          0
  '  const r = await vm.run([', //                               1
  "    cgroup('a', { work: work.pipeIo({ burstUs: 200 }) }),", // 2
  "    cgroup('b;c'), // a ; in a string and a comment", //       3
  '  ], hold.fraction(1));', //                                  4
  '  r.expect', //                                               5
  '    .noStall()', //                                           6
  '    .gapBelowMs(500)', //                                     7
  '  const x = 1', //                                            8
  '  done()', //                                                 9
  '}', //                                                        10
].join('\n');

test('a call spanning lines ends at its closing `;`, past brackets, strings and comments', () => {
  assert.equal(statementEndLine(body, 1, 22), 4);
});

test('without semicolons, a chain continues on lines starting with `.`', () => {
  assert.equal(statementEndLine(body, 5, 2), 7);
  assert.equal(statementEndLine(body, 6, 5), 7);
});

test('a statement on one line ends there; the last before a closing brace ends before it', () => {
  assert.equal(statementEndLine(body, 8, 2), 8);
  assert.equal(statementEndLine(body, 9, 2), 9);
});

test('a frame inside an argument ends with the statement around it', () => {
  const text = 'expect(first(),\n  second(),\n  third());\nafter();';
  assert.equal(statementEndLine(text, 1, 2), 2);
});
