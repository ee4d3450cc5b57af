import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPolicy, readPolicyFile, resolveThresholds } from './compare-policy.js';
import { METRIC_DEFAULTS } from './metric-defaults.js';

test('the defaults: spread in fraction units, iterations lower-is-worse, monitor metrics defined', () => {
  const t = resolveThresholds();
  assert.deepEqual(t.worstSpread, { worse: 'higher', absolute: 0.05, relativePercent: 25 });
  assert.deepEqual(t.worstGapMs, { worse: 'higher', absolute: 500, relativePercent: 50 });
  assert.deepEqual(t.totalIterations, { worse: 'lower', absolute: 100, relativePercent: 10 });
  assert.deepEqual(t.stallCount, { worse: 'higher', absolute: 1, relativePercent: 50 });
  assert.equal(Object.keys(t).length, METRIC_DEFAULTS.length);
});

test('--threshold replaces every relative threshold and keeps the absolute ones', () => {
  const t = resolveThresholds({ thresholdPercent: 5 });
  assert.ok(Object.values(t).every((x) => x.relativePercent === 5));
  assert.equal(t.worstGapMs!.absolute, 500);
  assert.throws(() => resolveThresholds({ thresholdPercent: -1 }), /--threshold: must be a number of percent >= 0/);
  assert.throws(() => resolveThresholds({ thresholdPercent: 5, policy: {} }), /cannot be combined with --policy/);
});

test('a policy: per-metric wins over defaultPercent, which wins over the defaults', () => {
  const t = resolveThresholds({ policy: checkPolicy({ defaultPercent: 15, perMetricPercent: { worstGapMs: 80 } }, 'p.json') });
  assert.equal(t.worstGapMs!.relativePercent, 80);
  assert.equal(t.totalMigrations!.relativePercent, 15);
  const only = resolveThresholds({ policy: checkPolicy({ perMetricPercent: { worstSpread: 40 } }, 'p.json') });
  assert.equal(only.worstSpread!.relativePercent, 40);
  assert.equal(only.worstGapMs!.relativePercent, 50);
});

test('a policy naming an unknown metric or field is refused with what is known', () => {
  assert.throws(() => checkPolicy({ perMetricPercent: { worstGap: 10 } }, 'p.json'),
    /p.json: perMetricPercent.worstGap: is not a known metric .*Did you mean worstGapMs\? Use one of: worstSpread, worstGapMs, .*keepLastEvents/);
  // A name nothing is close to gets the list alone.
  assert.throws(() => checkPolicy({ perMetricPercent: { latency: 10 } }, 'p.json'),
    (e: Error) => /is not a known metric .*Use one of: /.test(e.message) && !/Did you mean/.test(e.message));
  assert.throws(() => checkPolicy({ default: 10 }, 'p.json'), /p.json: default: is not a policy field/);
  assert.throws(() => checkPolicy({ defaultPercent: '10' }, 'p.json'), /defaultPercent: must be a number/);
  assert.throws(() => checkPolicy([], 'p.json'), /is not a policy object/);
});

test('policy files are read and checked; bad JSON names the file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-policy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ok.json'), '{"defaultPercent": 12}');
  writeFileSync(join(dir, 'bad.json'), '{"defaultPercent": ');
  assert.deepEqual(readPolicyFile(join(dir, 'ok.json')), { defaultPercent: 12 });
  assert.throws(() => readPolicyFile(join(dir, 'bad.json')), /--policy: cannot be read as JSON/);
});
