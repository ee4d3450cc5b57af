// `ktstr test --json` end to end: the example runs as a node:test subtest per cell, and stdout
// carries the run's results document (what `ktstr stats merge` joins).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

test('--json carries a passing cell\'s metrics and timing; a scheduler\'s attach failure shows its own error line', { skip: skipReason, timeout: 600_000 }, () => {
  const r = spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), 'test', join(root, 'test/fixtures/cli-report.ktstr.ts'), '--json', '--verbose'], {
    cwd: root, encoding: 'utf8', timeout: 600_000,
  });
  assert.equal(r.status, 1, r.stderr.slice(-3000));
  const cells = JSON.parse(r.stdout).cells as Record<string, any>[];
  const passed = cells.find((c) => c.test === 'report passes and prints')!;
  assert.equal(passed.status, 'passed', passed.reason);
  assert.ok(passed.metrics.run.totalIterations > 0);
  assert.ok(passed.metrics.cgroups.a.totalIterations > 0);
  assert.ok(passed.metrics.steps.length >= 1 && passed.metrics.steps[0].cgroups.a);
  assert.ok(passed.timing.bootMs > 0 && passed.timing.scenarioMs > 0, JSON.stringify(passed.timing));
  assert.equal(passed.timing.totalMs, passed.durationMs);
  assert.match(passed.output, /body output marker 7f3a/);
  // --verbose: the passing body's output is on the screen, under its cell's name.
  assert.match(r.stderr, /output of report passes and prints\/[^\n]*:\n\s+\| body output marker 7f3a/);

  const failed = cells.find((c) => c.test === 'report bad scheduler option')!;
  assert.equal(failed.status, 'failed');
  assert.match(failed.reason, /^scheduler \S+ exited during attach/);
  const ownLine = /unrecognized option '--no-such-option'/;
  assert.ok(failed.detail.some((l: string) => ownLine.test(l)), failed.detail.join('\n'));
  assert.ok(existsSync(failed.detailFile), failed.detailFile);
  assert.match(readFileSync(failed.detailFile, 'utf8'), ownLine);
  // The summary on the screen: the scheduler's own words, the detail file, the name once.
  const summary = r.stderr.slice(r.stderr.indexOf('failed cells (1):'));
  assert.match(summary, ownLine);
  assert.match(summary, /kernel sched_ext lines/);
  assert.ok(summary.includes(`full detail: ${failed.detailFile}`));
  assert.equal(summary.split(failed.name).length - 1, 1, summary);
  rmSync(join(failed.detailFile, '..', '..'), { recursive: true, force: true });
});

test('skipped cells with the same reason are one line with a count', { skip: skipReason, timeout: 240_000 }, () => {
  // Two tests pinned to a 128-CPU shape: skipped on this host for one and the same reason.
  const dir = mkdtempSync(join(root, 'test', 'e2e', '.skips-'));
  try {
    const big = '{ topology: { numaNodes: 2, llcs: 8, coresPerLlc: 4, threadsPerCore: 2 } }';
    writeFileSync(join(dir, 'big.test.ts'), `import { ktstrTest } from '@ktstr/core';\n`
      + `ktstrTest('too big one', ${big}, async () => {});\nktstrTest('too big two', ${big}, async () => {});\n`);
    const r = spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), 'test', dir], { cwd: root, encoding: 'utf8', timeout: 240_000 });
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    assert.match(r.stderr, /^ktstr: skipped 2 cells: host: .+$/m);
    assert.doesNotMatch(r.stderr, /too big (one|two)\/[^\n]*\n[^]*too big (one|two)\//, 'each skipped cell got its own line');
    assert.match(r.stderr, /0 passed, 0 failed, 2 skipped/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a run with bad test files still runs the good ones, lists every bad one and exits 2', { skip: skipReason, timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(root, 'test', 'e2e', '.decl-run-'));
  try {
    // The good test's only cell is skipped on any ordinary host, so nothing boots.
    writeFileSync(join(dir, 'good.test.ts'), `import { ktstrTest } from '@ktstr/core';\n`
      + `ktstrTest('good but big', { topology: { numaNodes: 2, llcs: 8, coresPerLlc: 4, threadsPerCore: 2 } }, async () => {});\n`);
    writeFileSync(join(dir, 'bad-a.test.ts'), `import { ktstrTest } from '@ktstr/core';\nktstrTest('bad a', { maxCpus: 0 }, async () => {});\n`);
    writeFileSync(join(dir, 'bad-b.test.ts'), `import { ktstrTest } from '@ktstr/core';\nktstrTest('bad b', { durationMs: 0 }, async () => {});\n`);
    const r = spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), 'test', dir, '--json'], { cwd: root, encoding: 'utf8', timeout: 240_000 });
    assert.equal(r.status, 2, r.stderr.slice(-3000));
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.cells.map((c: { test: string; status: string }) => [c.test, c.status]), [['good but big', 'skipped']]);
    assert.deepEqual(doc.errors.map((e: { file: string }) => e.file.split('/').pop()).sort(), ['bad-a.test.ts', 'bad-b.test.ts']);
    assert.match(r.stderr, /bad-a\.test\.ts\n\s+ktstrTest\("bad a"\)\.maxCpus/);
    assert.match(r.stderr, /bad-b\.test\.ts\n\s+ktstrTest\("bad b"\)\.durationMs/);
    assert.match(r.stderr, /0 passed, 0 failed, 1 skipped, 2 test file\(s\) failed to load/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
