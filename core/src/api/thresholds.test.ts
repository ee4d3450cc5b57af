import { test } from 'node:test';
import assert from 'node:assert/strict';
import { declareScheduler } from './declare-scheduler.js';
import { declareTest } from './ktstr-test.js';
import { resolveAssertThresholds, THRESHOLD_FIELDS, validateThresholds } from './thresholds.js';

test('a scheduler\'s thresholds, with the test\'s own over them key by key, each saying where it came from', () => {
  const resolved = resolveAssertThresholds({ spread: 0.4, gapMs: 800 }, { gapMs: 200, wakeLatencyUs: 5000 });
  assert.deepEqual(resolved.map((r) => [r.key, r.value, r.from, r.assertion]), [
    ['spread', 0.4, 'scheduler', 'spreadBelow'],
    ['gapMs', 200, 'test', 'gapBelowMs'],
    ['wakeLatencyUs', 5000, 'test', 'wakeLatencyBelowUs'],
  ]);
  assert.deepEqual(resolveAssertThresholds(undefined, undefined), []);
});

test('every threshold names an assertion that exists on r.expect', async () => {
  const { Expectation } = await import('../result/expect.js');
  for (const f of THRESHOLD_FIELDS) assert.equal(typeof Expectation.prototype[f.assertion], 'function', f.assertion);
});

test('a bad threshold is refused with the declaration, the key and what to write', () => {
  assert.throws(() => declareScheduler({ name: 'x', binary: '/bin/x', thresholds: { gapMS: 100 } as never }),
    /declareScheduler\("x"\)\.thresholds\.gapMS.*is not a threshold.*Did you mean gapMs\?/s);
  assert.throws(() => declareScheduler({ name: 'x', binary: '/bin/x', thresholds: { spread: 25 } }),
    /thresholds\.spread.*must be in \(0, 1\].*spreadBelow\(\) in fraction/s);
  assert.throws(() => validateThresholds({ imbalanceRatio: 1 }, 'ktstrTest("t")'), /ktstrTest\("t"\)\.thresholds\.imbalanceRatio.*must be > 1/s);
  assert.throws(() => validateThresholds({ gapMs: '50' }, 'ktstrTest("t")'), /thresholds\.gapMs.*is not a number/s);
  assert.throws(() => validateThresholds([1], 'ktstrTest("t")'), /ktstrTest\("t"\)\.thresholds.*is not an object/s);
  assert.throws(() => declareTest('t', { thresholds: { runDelayUs: -1 } }), /ktstrTest\("t"\)\.thresholds\.runDelayUs.*must be > 0/s);
  assert.deepEqual(declareScheduler({ name: 'x', binary: '/bin/x', thresholds: { gapMs: 500 } }).thresholds, { gapMs: 500 });
});
