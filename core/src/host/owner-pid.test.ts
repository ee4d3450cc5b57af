import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, isZombie } from './owner-pid.js';

test('an exited process that nobody reaped yet is not alive: it holds no lock, file or mapping', async () => {
  // `true` runs in the background of a shell that then becomes `sleep`, which never waits for it:
  // a zombie for as long as the sleep runs.
  const parent = spawn('sh', ['-c', 'true & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
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
