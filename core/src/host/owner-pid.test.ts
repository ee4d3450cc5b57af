import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, isZombie } from './owner-pid.js';

test('an exited process that nobody reaped yet is not alive: it holds no lock, file or mapping', async () => {
  // A perl (perl-base is essential in Debian) that forks a child which exits at once, then sleeps
  // without ever waiting: the child is a zombie for as long as the sleep runs. (A shell's
  // `true & ...; exec sleep` is not: the shell may reap `true` before the exec on a loaded host.)
  const parent = spawn('perl', ['-e', '$| = 1; my $pid = fork(); exit 0 if $pid == 0; print "$pid\\n"; sleep 5;'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
    for (let i = 0; i < 100 && !isZombie(pid); i++) await sleep(20);
    assert.equal(isZombie(pid), true, `pid ${pid} became a zombie`);
    assert.equal(isAlive(pid), false);
    assert.equal(isAlive(parent.pid!), true, 'its parent runs');
    assert.equal(isZombie(parent.pid!), false);
    assert.equal(isAlive(process.pid), true);
  } finally {
    parent.kill('SIGKILL');
  }
});
