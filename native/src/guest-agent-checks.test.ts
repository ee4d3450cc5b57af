// The guest agent's own checks (native/guest/tests: unit tests, sample cells, every work type
// run on this host in both clone modes, the docs' parameter tables, --run-cell) as part of the
// suite, so a change to the agent or to docs/work-types.md cannot land with them failing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const guest = join(import.meta.dirname, '..', 'guest');

test('make -C native/guest check passes', { timeout: 300_000 }, (t) => {
  const probe = spawnSync('make', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    t.skip('make is not installed (npm run bootstrap installs it)');
    return;
  }
  const r = spawnSync('make', ['-s', '-C', guest, 'check'], { encoding: 'utf8', timeout: 280_000 });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, `make check failed:\n${out.split('\n').filter((l) => /FAIL|error/i.test(l)).slice(0, 40).join('\n') || out.slice(-4000)}`);
  assert.match(out, /all unit checks passed/);
  assert.match(out, /all cell checks passed/);
});
