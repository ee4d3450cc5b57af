import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completionsAt } from './completion.js';

const base = { inTestOptions: false, schedulers: [], arch: 'x86_64' as const };

test('work types after work.', () => {
  const line = "  cgroup('a', { workers: 1, work: work.sp";
  const items = completionsAt({ ...base, lineText: line, pos: { line: 0, character: line.length } });
  assert.ok(items.some((i) => i.label === 'spinWait' && i.insertText === 'spinWait()'));
});

test('a preset name in a topology string completes to the preset shape literal', () => {
  const line = "ktstrTest('t', { topology: 'tiny-2'";
  const items = completionsAt({ ...base, lineText: line, pos: { line: 4, character: line.length - 1 } });
  const tiny = items.find((i) => i.label === 'tiny-2llc')!;
  assert.deepEqual(tiny.textEdit, {
    range: { start: { line: 4, character: line.indexOf("'tiny") }, end: { line: 4, character: line.length } },
    newText: '{ numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 }',
  });
  const arm = completionsAt({ ...base, arch: 'aarch64', lineText: line, pos: { line: 4, character: line.length - 1 } });
  assert.ok(!arm.some((i) => i.label === 'smt-2llc'), 'aarch64 has no SMT presets');
});

test('scheduler constants after scheduler: (the workspace\'s and core\'s own), options only inside ktstrTest options', () => {
  const sched = { path: '/w/s.ts', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, name: 'simple', binding: 'SIMPLE', topology: undefined, binary: 'b', schedArgs: [], hasConfigFile: false };
  const line = '  { scheduler: SI';
  const items = completionsAt({ ...base, schedulers: [sched], lineText: line, pos: { line: 0, character: line.length } });
  assert.deepEqual(items.map((i) => [i.label, i.detail]), [['SIMPLE', 'scheduler simple (/w/s.ts)'], ['SCX_KTSTR', 'scheduler scx-ktstr (@ktstr/core)']]);
  const opt = '  { min';
  assert.deepEqual(completionsAt({ ...base, lineText: opt, pos: { line: 0, character: opt.length } }), []);
  assert.ok(completionsAt({ ...base, inTestOptions: true, lineText: opt, pos: { line: 0, character: opt.length } }).some((i) => i.label === 'minLlcs'));
});
