// A run says once, before any cell, which acceleration its VMs use and why (as `ktstr shell`
// does), so a slow TCG run is never a mystery. A filter that matches no cell keeps this cheap:
// the run is prepared (kernel, acceleration, plan) and starts no VM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { skipReason } from '../vm/cell-env.js';

const root = join(import.meta.dirname, '..', '..');

function run(env: NodeJS.ProcessEnv): string {
  const r = spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), 'test', 'examples', '--filter', '^no cell is named this$'], {
    cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr.slice(-3000));
  return r.stderr;
}

test('ktstr test prints the acceleration once, with its reason', { skip: skipReason }, () => {
  const forced = run({ KTSTR_ACCEL: 'tcg' });
  assert.deepEqual(forced.split('\n').filter((l) => l.includes('acceleration')), ['ktstr: acceleration tcg (KTSTR_ACCEL=tcg)']);
  const probed = run({ KTSTR_ACCEL: undefined });
  assert.equal(probed.split('\n').filter((l) => /^ktstr: acceleration (kvm|tcg) \(.+\)$/.test(l)).length, 1, probed);
});
