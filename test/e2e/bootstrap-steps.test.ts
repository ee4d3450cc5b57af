// The bootstrap's build steps say "up to date" when nothing changed (docs/getting-started.md):
// run twice in a row, the second run of the TypeScript step and of the addon step must say so
// and start no compiler. Each runs its real build script, as `npm run bootstrap` does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

function step(script: string): string {
  const r = spawnSync(process.execPath, [join(root, script)], { cwd: root, encoding: 'utf8', timeout: 600_000 });
  assert.equal(r.status, 0, `${script}: ${r.stderr.slice(-3000)}`);
  return r.stderr.trim();
}

test('the TypeScript step says "up to date" on a second run', { timeout: 600_000 }, () => {
  step('scripts/build-ts.mjs');
  assert.equal(step('scripts/build-ts.mjs'), 'up to date');
});

test('the addon step says "up to date" on a second run, without cmake', { timeout: 600_000 }, () => {
  step('native/scripts/build-addon.mjs');
  const second = step('native/scripts/build-addon.mjs');
  assert.equal(second, 'up to date: native/build/Release/ktstr_native.node');
  assert.doesNotMatch(second, /cmake|ninja/i);
});
