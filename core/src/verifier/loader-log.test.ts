import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progLoadLogs } from './loader-log.js';

test('libbpf\'s program load log is found between its markers, with the program it names', () => {
  const output = [
    'libbpf: prog \'ktstr_init\': BPF program load failed: -EACCES',
    'libbpf: prog \'ktstr_init\': -- BEGIN PROG LOAD LOG --',
    '0: R1=ctx() R10=fp0',
    'invalid access to map value, value_size=64 off=64 size=8',
    '-- END PROG LOAD LOG --',
    'libbpf: prog \'ktstr_init\': failed to load: -13',
  ].join('\n');
  assert.deepEqual(progLoadLogs(output), [{ program: 'ktstr_init', log: '0: R1=ctx() R10=fp0\ninvalid access to map value, value_size=64 off=64 size=8', complete: true }]);
});

test('a log cut before its END marker is kept and said to be incomplete; none is none', () => {
  assert.deepEqual(progLoadLogs('libbpf: prog \'p\': -- BEGIN PROG LOAD LOG --\n0: x'), [{ program: 'p', log: '0: x', complete: false }]);
  assert.deepEqual(progLoadLogs('scx-ktstr: attached ops=ktstr'), []);
});
