// The static scan completion falls back to: literal names only, in their written form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanTestNames } from './discover-index.js';

test('the scan finds single, double and template literal names and skips computed ones', () => {
  const src = [
    "ktstrTest('one', {}, async () => {});",
    'ktstrTest(\n  "two \\"quoted\\"", { scheduler: S }, body);',
    'ktstrTest(`three`, {}, body);',
    'ktstrTest(`four ${n}`, {}, body);',
    'ktstrTest(name, {}, body);',
    "notktstrTest('five', {}, body);",
  ].join('\n');
  assert.deepEqual(scanTestNames(src), ['one', 'two "quoted"', 'three']);
});
