import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorSettings } from './options.js';

test('the monitor is on by default, at 100 ms, without captures', () => {
  assert.deepEqual(monitorSettings({}, 't'), { intervalMs: 100, numSnapshots: 0 });
  assert.deepEqual(monitorSettings({ monitorIntervalMs: 50, numSnapshots: 3 }, 't'), { intervalMs: 50, numSnapshots: 3 });
  assert.equal(monitorSettings({ monitor: false }, 't'), undefined);
});

test('bad settings are refused where the test is declared', () => {
  assert.throws(() => monitorSettings({ monitorIntervalMs: 5 }, 'ktstrTest("x")'), /ktstrTest\("x"\)\.monitorIntervalMs.*>= 10/);
  assert.throws(() => monitorSettings({ monitorIntervalMs: 12.5 }, 't'), /monitorIntervalMs/);
  assert.throws(() => monitorSettings({ numSnapshots: -1 }, 't'), /numSnapshots/);
  assert.throws(() => monitorSettings({ monitor: false, numSnapshots: 2 }, 't'), /needs the monitor/);
  assert.throws(() => monitorSettings({ monitor: 'no' as unknown as boolean }, 't'), /true or false/);
});
