// What a failed cell's record says: the reason without the cell's name, and the lines that
// explain it, with a program's refusal kept even when its usage text follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CellError, SchedulerExitError } from './cell-vm.js';
import { CellResult, type CellResultData } from '../result/cell-result.js';
import { failureReport, tellingLines, writeFailureFile } from './failure-report.js';

const usage = ["/bin/sched: unrecognized option '--config'", 'Usage: sched [options]', ...Array.from({ length: 20 }, (_, i) => `  --opt${i}  does ${i}`)].join('\n');

test('the telling lines are the first problem lines and then the last lines', () => {
  const lines = tellingLines(usage, 10);
  assert.equal(lines.length, 11);
  assert.equal(lines[0], "/bin/sched: unrecognized option '--config'");
  assert.equal(lines[1], '...');
  assert.equal(lines.at(-1), '  --opt19  does 19');
  assert.deepEqual(tellingLines('a\n\nb\n', 10), ['a', 'b']);
});

test('a scheduler exit is explained by its output and the kernel\'s lines; the name is not repeated', () => {
  const result = new CellResult({
    cell: 'c/tiny/k', scheduler: 'mine', schedulerExit: { phase: 'attach', reason: 'exited with status 1', dmesg: ['sched_ext: disabled'], output: usage, exitStatus: 1 },
    consoleLog: 'boot log',
  } as unknown as CellResultData);
  const r = failureReport(new SchedulerExitError(result), 'c/tiny/k');
  assert.equal(r.reason, 'scheduler mine exited during attach: exited with status 1');
  assert.ok(r.detail.includes("  /bin/sched: unrecognized option '--config'"));
  assert.ok(r.detail.includes('  sched_ext: disabled'));
  assert.match(r.full, /--opt0 {2}does 0/, 'the file has all of the output');
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-failure-'));
  try {
    const file = writeFailureFile(dir, 'c/tiny/k', r, 'printed\n')!;
    assert.match(file, /cells\/c_tiny_k\.log$/);
    assert.match(readFileSync(file, 'utf8'), /output of the test body:\nprinted/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(writeFailureFile(undefined, 'c', r, ''), undefined);
});

test('a guest that did not come up shows the console\'s last lines; other errors their message', () => {
  const c = failureReport(new CellError('c/t/k: the guest did not come up: timeout', 'line 1\nKernel panic - not syncing'), 'c/t/k');
  assert.equal(c.reason, 'the guest did not come up: timeout');
  assert.deepEqual(c.detail, ['console (last 2 lines):', '  line 1', '  Kernel panic - not syncing']);
  const a = failureReport(new Error('spread 0.4 above 0.25\n  in cgroup a\n'), 'x');
  assert.equal(a.reason, 'spread 0.4 above 0.25');
  assert.deepEqual(a.detail, ['  in cgroup a']);
});
