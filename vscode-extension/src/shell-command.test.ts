import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shellArgs } from './shell-command.js';

const cell = { name: 't/smt-2llc/7.2', preset: 'smt-2llc', topology: '1n2l2c2t', kernel: '7.2', home: false };
const testArgs = (scheduler: { name: string; binary: string | undefined; schedArgs: string[] } | undefined) =>
  ({ file: '/w/a.test.ts', test: 't', line: 3, cells: [cell], unresolved: undefined, scheduler });

test('ktstr shell boots the cell topology and kernel with the scheduler and its arguments', () => {
  assert.deepEqual(shellArgs(testArgs({ name: 's', binary: '/opt/scx_s', schedArgs: ['-v', '--slice', '5'] }), cell, '/opt/scx_s'),
    ['shell', '--topology', '1n2l2c2t', '--kernel', '7.2', '--scheduler', '/opt/scx_s', '--sched-arg', '-v', '--sched-arg', '--slice', '--sched-arg', '5']);
});

test('without a scheduler the shell runs EEVDF; the default kernel is not passed', () => {
  assert.deepEqual(shellArgs(testArgs(undefined), { ...cell, kernel: 'default' }, undefined), ['shell', '--topology', '1n2l2c2t']);
});
