import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { processSchedTimesNs, startCpuTimeMeasure, waitPercent } from './process-cpu-time.js';

/** Spins until this process has used `ms` of CPU: a spin of wall time is less CPU on a loaded host. */
function spinCpu(ms: number): void {
  const start = process.cpuUsage();
  const used = () => {
    const u = process.cpuUsage(start);
    return (u.user + u.system) / 1000;
  };
  while (used() < ms);
}

test('the CPU time of this process grows by the CPU time it spent spinning', () => {
  const measure = startCpuTimeMeasure(process.pid);
  const usageBefore = process.cpuUsage();
  spinCpu(300);
  const measured = measure();
  const usage = process.cpuUsage(usageBefore);
  assert.ok(measured !== null, 'this process has /proc entries');
  const ms = measured.cpuMs;
  assert.ok(measured.waitMs !== null && measured.waitMs >= 0, 'schedstat has the wait');
  // What the kernel says the process used (getrusage, all threads) over the same spin.
  const rusageMs = (usage.user + usage.system) / 1000;
  assert.ok(ms >= 270, `spun 300 ms of CPU and measured ${ms} ms`);
  assert.ok(Math.abs(ms - rusageMs) < 60, `schedstat says ${ms} ms, getrusage ${rusageMs} ms`);
});

test('a process that does not exist has no CPU time, and its measurement says null', () => {
  assert.equal(processSchedTimesNs(2 ** 22 + 1), null);
  assert.equal(startCpuTimeMeasure(2 ** 22 + 1)(), null);
  assert.equal(startCpuTimeMeasure(undefined)(), null);
});

test('without schedstat, utime + stime of /proc/<pid>/stat count (a command name with spaces and parentheses)', () => {
  const proc = mkdtempSync(join(tmpdir(), 'ktstr-proc-'));
  try {
    mkdirSync(join(proc, '42'));
    // Fields 14 and 15 (utime, stime) are 150 and 50 ticks: 2 s.
    writeFileSync(join(proc, '42', 'stat'), '42 (qemu (x) y) S 1 42 42 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 3 0 1 1 1\n');
    assert.equal(processSchedTimesNs(42, proc)?.cpu, 2e9);
    mkdirSync(join(proc, '42', 'task', '42'), { recursive: true });
    mkdirSync(join(proc, '42', 'task', '43'), { recursive: true });
    writeFileSync(join(proc, '42', 'task', '42', 'schedstat'), '1000000 5 3\n');
    writeFileSync(join(proc, '42', 'task', '43', 'schedstat'), '2500000 5 3\n');
    assert.deepEqual(processSchedTimesNs(42, proc), { cpu: 3_500_000, wait: 10 });
  } finally {
    rmSync(proc, { recursive: true, force: true });
  }
});

test('without schedstat there is CPU time but no wait, and no wait percent', () => {
  const proc = mkdtempSync(join(tmpdir(), 'ktstr-proc-'));
  try {
    mkdirSync(join(proc, '42'));
    writeFileSync(join(proc, '42', 'stat'), '42 (qemu) S 1 42 42 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 3 0 1 1 1\n');
    assert.deepEqual(processSchedTimesNs(42, proc), { cpu: 2e9, wait: null });
    assert.equal(waitPercent({ cpuMs: 2000, waitMs: null }), null);
    assert.equal(waitPercent({ cpuMs: 0, waitMs: 0 }), null);
    assert.equal(waitPercent({ cpuMs: 750, waitMs: 250 }), 25);
  } finally {
    rmSync(proc, { recursive: true, force: true });
  }
});

test('two busy processes on one CPU: each waits for it about half of the time it wants it', async () => {
  // taskset (util-linux) pins both to the first CPU this process may use.
  const cpu = readFileSync('/proc/self/status', 'utf8').match(/^Cpus_allowed_list:\s*(\d+)/m)?.[1] ?? '0';
  const busy = () => spawn('taskset', ['-c', cpu, 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore' });
  const [a, b] = [busy(), busy()];
  try {
    await new Promise((r) => setTimeout(r, 200));
    const measure = startCpuTimeMeasure(a.pid);
    await new Promise((r) => setTimeout(r, 600));
    const t = measure();
    assert.ok(t !== null && t.waitMs !== null, 'measured');
    const pct = waitPercent(t)!;
    // Alone on the CPU it would wait ~0 %; sharing it with an equal spinner, ~50 % (more when
    // something else runs there too).
    assert.ok(pct > 25, `waited ${pct.toFixed(1)} % (${t.waitMs} ms of ${t.cpuMs + t.waitMs} ms)`);
  } finally {
    a.kill('SIGKILL');
    b.kill('SIGKILL');
  }
});
