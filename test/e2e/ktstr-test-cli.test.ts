// `ktstr test --json` end to end: the example runs as a node:test subtest per cell, and stdout
// carries the run's results document (what `ktstr stats merge` joins).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { skipReason } from '../vm/cell-env.js';

const root = join(import.meta.dirname, '..', '..');

test('ktstr test --json reports each cell in a results document', { skip: skipReason, timeout: 240_000 }, () => {
  const r = spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), 'test', join(root, 'examples/eevdf-baseline.test.ts'), '--json'], {
    cwd: root, encoding: 'utf8', timeout: 240_000,
  });
  assert.equal(r.status, 0, r.stderr.slice(-3000));
  const results = JSON.parse(r.stdout);
  assert.equal(results.version, 1);
  assert.deepEqual(results.shards, ['1/1']);
  assert.equal(results.cells.length, 1);
  const [cell] = results.cells;
  assert.equal(cell.status, 'passed');
  assert.match(cell.name, /^eevdf keeps pinned cgroups on their LLC\/tiny-2llc\/.+$/);
  assert.equal(cell.scheduler, 'eevdf');
  assert.equal(cell.topology, '1n2l2c1t');
  assert.match(r.stderr, /1 passed, 0 failed, 0 skipped/);
});

test('an unknown topology is refused before anything runs', () => {
  const r = spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), 'test', 'examples', '--topology', 'huge'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--topology: is not a topology .*preset name: tiny-1llc/);
});

test('ktstr presets lists 24 x86_64 and 14 aarch64 presets as JSON', () => {
  const list = (arch: string) => JSON.parse(spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), 'presets', '--arch', arch, '--json'], { encoding: 'utf8' }).stdout);
  assert.equal(list('x86_64').length, 24);
  const arm = list('aarch64');
  assert.equal(arm.length, 14);
  assert.ok(arm.every((p: { label: string }) => p.label.endsWith('1t')));
});
