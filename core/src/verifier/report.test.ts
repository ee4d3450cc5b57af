import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatVerifierResult } from './report.js';
import type { VerifierResult } from './verifier-run.js';

const base = { kernel: '7.2.13', scheduler: 'scx-ktstr', binary: '/x/scx-ktstr', args: [] as string[], topology: '1n1l2c1t', declared: ['ktstr_select_cpu', 'ktstr_init', 'ktstr_exit'] };

test('a loaded scheduler: one line per program, most verified instructions first, the total, and what was not loaded', () => {
  const r: VerifierResult = {
    ...base, outcome: 'loaded', reason: null, logs: [], output: null, notLoaded: ['ktstr_exit'],
    programs: [{ name: 'ktstr_init', member: 'init', id: 9, verifiedInsns: 43, insns: 46 }, { name: 'ktstr_select_cpu', member: 'select_cpu', id: 7, verifiedInsns: 174, insns: 130 }],
  };
  assert.equal(formatVerifierResult(r), [
    'scx-ktstr on 7.2.13 (1n1l2c1t): loaded',
    '  program           member        verified_insns  insns',
    '  ktstr_select_cpu  select_cpu               174    130',
    '  ktstr_init        init                      43     46',
    '  total verified_insns 217 in 2 program(s)',
    '  declared in the BPF object but not loaded: ktstr_exit',
  ].join('\n'));
});

test('a refused program: its log folded, or whole with raw; a failure without a log shows the output', () => {
  const log = ['0: R1=ctx()', 'a', 'b', 'a', 'b', 'a', 'b', 'invalid access'].join('\n');
  const r: VerifierResult = { ...base, outcome: 'rejected', reason: 'exited with status 1', programs: [], notLoaded: [], logs: [{ program: 'ktstr_init', log, complete: true }], output: '...' };
  assert.equal(formatVerifierResult(r), [
    'scx-ktstr on 7.2.13 (1n1l2c1t): rejected: exited with status 1',
    '  verifier log of ktstr_init (repeated loop bodies folded; --raw for the whole log):',
    '  | 0: R1=ctx()', '  | 3× the following 2 lines:', '  |   a', '  |   b', '  | invalid access',
  ].join('\n'));
  assert.equal(formatVerifierResult(r, { raw: true }).split('\n').length, 2 + 8);
  const failed: VerifierResult = { ...r, outcome: 'failed', logs: [], output: 'libbpf: failed to open\n' };
  assert.match(formatVerifierResult(failed), /no verifier log in the loader's output; its output:\n {2}\| libbpf: failed to open$/);
});

test('a scheduler loaded with arguments names them, so two declarations of one binary are told apart', () => {
  const r: VerifierResult = { ...base, args: ['-v', '--slice-us', '5000'], outcome: 'loaded', reason: null, logs: [], output: null, notLoaded: [], programs: [] };
  assert.match(formatVerifierResult(r), /^scx-ktstr -v --slice-us 5000 on 7\.2\.13 \(1n1l2c1t\): loaded/);
});
