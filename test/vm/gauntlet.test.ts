// A real, small gauntlet: one test over the three presets its gates admit, each cell a VM,
// reported as node:test subtests `test/preset/kernel` and in the --json results document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { skipReason, testKernel } from './cell-env.js';

const root = join(import.meta.dirname, '..', '..');

test('one test over 3 small presets runs 3 passing cells', { skip: skipReason, timeout: 300_000 }, () => {
  const r = spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), 'test', join(root, 'test/fixtures/gauntlet-three.ktstr.ts'), '--gauntlet', '--json'], {
    cwd: root, encoding: 'utf8', timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stderr.slice(-3000));
  const results = JSON.parse(r.stdout) as { shards: string[]; cells: { name: string; preset: string; status: string; durationMs: number }[] };
  assert.deepEqual(results.shards, ['1/1']);
  assert.deepEqual(results.cells.map((c) => c.preset).sort(), ['smt-2llc', 'tiny-1llc', 'tiny-2llc']);
  for (const c of results.cells) {
    assert.equal(c.status, 'passed', c.name);
    assert.match(c.name, /^spinners progress on every small shape\/(tiny-1llc|tiny-2llc|smt-2llc)\/.+$/);
    assert.ok(c.durationMs > 1000);
  }
  assert.match(r.stderr, /\[3\/3\] passed/);
  assert.match(r.stderr, /3 passed, 0 failed, 0 skipped/);
});

test('--kernel A --kernel B runs each cell once per kernel, named by kernel', { skip: skipReason, timeout: 300_000 }, async () => {
  // A second kernel directory (links to the cached one's files) stands in for a second version:
  // what matters here is that each --kernel is resolved and becomes its own cell.
  const kernel = await testKernel();
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-kernel-'));
  try {
    const alt = join(dir, 'alt-kernel');
    symlinkSync(dirname(kernel.vmlinuz), alt);
    const r = spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), 'test', join(root, 'test/fixtures/gauntlet-three.ktstr.ts'),
      '--kernel', kernel.vmlinuz, '--kernel', alt, '--topology', 'tiny-1llc', '--json'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    const results = JSON.parse(r.stdout) as { cells: { name: string; kernel: string; status: string }[] };
    assert.deepEqual(results.cells.map((c) => c.kernel).sort(), ['alt-kernel', basename(dirname(kernel.vmlinuz))].sort());
    assert.ok(results.cells.every((c) => c.status === 'passed' && c.name.startsWith('spinners progress on every small shape/tiny-1llc/')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
