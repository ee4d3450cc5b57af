// `ktstr kernel build` refuses bad input before it downloads or compiles anything, naming the
// field and what to do. Nothing here builds a kernel (that takes 20-40 minutes on one CPU; the
// built-kernel VM test uses one already cached).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'cli/bin/ktstr.js');
const ktstr = (args: string[]) => spawnSync(process.execPath, [bin, 'kernel', 'build', ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });

test('a source that is neither a version nor a directory is refused', () => {
  const r = ktstr(['latest']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /source: is neither a kernel version nor a directory \(got "latest"\)/);
  assert.equal(r.stdout, '');
});

test('a missing or malformed config fragment is refused with the file and line', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-kbuild-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const missing = ktstr(['--config-fragment', join(dir, 'nope.config')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--config-fragment: does not exist/);
  const bad = join(dir, 'bad.config');
  writeFileSync(bad, 'CONFIG_SCHED_CLASS_EXT=y\nCONFIG_HZ_1000=yes\n');
  const r = ktstr(['7.2', '--config-fragment', bad, '--cpu-cap', '1']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /bad\.config:2: has a value Kconfig does not take/);
});

test('--cpu-cap, --base and --nice are checked', () => {
  const cap = ktstr(['7.2', '--cpu-cap', '0']);
  assert.equal(cap.status, 2);
  assert.match(cap.stderr, /--cpu-cap: must be a whole number of CPUs >= 1/);
  const base = ktstr(['7.2', '--base', 'allyesconfig']);
  assert.equal(base.status, 2);
  assert.match(base.stderr, /--base: must be tinyconfig or defconfig/);
  const nice = ktstr(['7.2', '--nice', '40']);
  assert.equal(nice.status, 2);
  assert.match(nice.stderr, /--nice: must be a whole number from -20 to 19/);
});
