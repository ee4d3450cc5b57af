import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFailureHint } from './load-failure.js';

test('a missing @ktstr/core says to install ktstr, not to fix a declaration', () => {
  const esm = loadFailureHint('/p/a.test.ts', "Cannot find package '@ktstr/core' imported from /p/a.test.ts");
  assert.match(esm, /^@ktstr\/core is not installed where \/p\/a\.test\.ts can import it: run `npm install --save-dev @ktstr\/core ktstr` in \/p/);
  const cjs = loadFailureHint('/p/a.test.ts', "Cannot find module '@ktstr/core/setup'\nRequire stack:\n- /p/a.test.ts");
  assert.match(cjs, /^@ktstr\/core is not installed/);
  assert.doesNotMatch(esm, /declaration/);
});

test('another missing package is named on its own; a missing relative file is not an install', () => {
  assert.match(loadFailureHint('/p/a.test.ts', "Cannot find package 'left-pad' imported from /p/a.test.ts"), /`npm install --save-dev left-pad`/);
  assert.match(loadFailureHint('/p/a.test.ts', "Cannot find module './helpers.js' imported from /p/a.test.ts"), /^Fix the import of \.\/helpers\.js/);
});

test('any other load failure keeps the declaration hint', () => {
  assert.equal(loadFailureHint('/p/a.test.ts', 'declareScheduler("x").topology.llcs: must be >= 1'), 'Fix the declaration: the message names the field.');
});
