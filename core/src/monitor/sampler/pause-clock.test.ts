import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PauseClock } from './pause-clock.js';

test('elapsed time leaves out the spans the guest was stopped', () => {
  let now = 1000;
  const c = new PauseClock(1000, () => now);
  now = 1300;
  assert.equal(c.elapsedMs(), 300);
  c.pause();
  now = 1350;
  assert.equal(c.elapsedMs(), 300, 'frozen while stopped');
  assert.equal(c.totalPausedMs, 50);
  now = 1420;
  assert.equal(c.resume(), 120);
  now = 1500;
  assert.equal(c.elapsedMs(), 380, '500 ms of host time less 120 ms stopped');
  assert.equal(c.hostTimeAt(400), 1520, 'the next tick is pushed back by the pause');
});

test('pauses add up; a resume without a pause is nothing', () => {
  let now = 0;
  const c = new PauseClock(0, () => now);
  assert.equal(c.resume(), 0);
  for (let i = 0; i < 3; i++) {
    now += 100;
    c.pause();
    now += 10;
    c.resume();
  }
  assert.equal(c.totalPausedMs, 30);
  assert.equal(c.elapsedMs(), 300);
});
