import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processCpuTimeNs, startCpuTimeMeasure } from './process-cpu-time.js';

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test('the CPU time of this process grows by about the time it spent spinning', () => {
  const measure = startCpuTimeMeasure(process.pid);
  const usageBefore = process.cpuUsage();
  spin(300);
  const ms = measure();
  const usage = process.cpuUsage(usageBefore);
  assert.ok(ms !== null, 'this process has /proc entries');
  // What the kernel says the process used (getrusage, all threads) over the same spin.
  const rusageMs = (usage.user + usage.system) / 1000;
  assert.ok(ms >= 250, `spun 300 ms of wall time and measured ${ms} ms of CPU`);
  assert.ok(Math.abs(ms - rusageMs) < 60, `schedstat says ${ms} ms, getrusage ${rusageMs} ms`);
});

test('a process that does not exist has no CPU time, and its measurement says null', () => {
  assert.equal(processCpuTimeNs(2 ** 22 + 1), null);
  assert.equal(startCpuTimeMeasure(2 ** 22 + 1)(), null);
  assert.equal(startCpuTimeMeasure(undefined)(), null);
});

test('without schedstat, utime + stime of /proc/<pid>/stat count (a command name with spaces and parentheses)', () => {
  const proc = mkdtempSync(join(tmpdir(), 'ktstr-proc-'));
  try {
    mkdirSync(join(proc, '42'));
    // Fields 14 and 15 (utime, stime) are 150 and 50 ticks: 2 s.
    writeFileSync(join(proc, '42', 'stat'), '42 (qemu (x) y) S 1 42 42 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 3 0 1 1 1\n');
    assert.equal(processCpuTimeNs(42, proc), 2e9);
    mkdirSync(join(proc, '42', 'task', '42'), { recursive: true });
    mkdirSync(join(proc, '42', 'task', '43'), { recursive: true });
    writeFileSync(join(proc, '42', 'task', '42', 'schedstat'), '1000000 5 3\n');
    writeFileSync(join(proc, '42', 'task', '43', 'schedstat'), '2500000 5 3\n');
    assert.equal(processCpuTimeNs(42, proc), 3_500_000);
  } finally {
    rmSync(proc, { recursive: true, force: true });
  }
});
