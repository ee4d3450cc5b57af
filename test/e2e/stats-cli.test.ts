// The run store end to end: a real cell run twice (--repeat 2) into a temporary runs
// directory, stored as Parquet, records and per-cell detail, listed, shown, compared, merged and cleaned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipReason } from '../vm/cell-env.js';

const root = join(import.meta.dirname, '..', '..');
const ktstr = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), ...args], {
  cwd: root, encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env },
});

test('ktstr test --repeat 2 stores replicas; stats list/show/compare/clean read them', { skip: skipReason, timeout: 600_000 }, () => {
  const runs = mkdtempSync(join(tmpdir(), 'ktstr-e2e-runs-'));
  try {
    const example = join(root, 'examples/eevdf-baseline.test.ts');
    const first = ktstr(['test', example, '--repeat', '2', '--runs-dir', runs]);
    assert.equal(first.status, 0, first.stderr.slice(-3000));
    assert.match(first.stderr, /passed eevdf keeps pinned cgroups on their LLC\/tiny-2llc\/[^\n]*#2/);
    assert.match(first.stderr, /stored run \d{8}T\d{6}Z-[0-9a-f]{6} in /);
    // The environment names the runs directory as well as the flag does.
    const second = ktstr(['test', example], { KTSTR_RUNS_DIR: runs });
    assert.equal(second.status, 0, second.stderr.slice(-3000));

    const list = JSON.parse(ktstr(['stats', 'list', '--runs-dir', runs, '--json']).stdout);
    assert.equal(list.runs.length, 2);
    const [a, b] = list.runs.map((r: { id: string }) => r.id);
    assert.deepEqual(list.runs.map((r: { cells: number; passed: number }) => [r.cells, r.passed]), [[2, 2], [1, 1]]);

    const shown = JSON.parse(ktstr(['stats', 'show', a, '--runs-dir', runs, '--json']).stdout);
    assert.deepEqual(shown.cells.map((c: { replica: number }) => c.replica).sort(), [1, 2]);
    const cell = shown.cells.find((c: { replica: number }) => c.replica === 2);
    assert.equal(cell.cell, cell.name.replace(/#2$/, ''));
    assert.ok(cell.metrics.totalIterations > 0);
    const detail = JSON.parse(readFileSync(join(runs, a, cell.detail), 'utf8'));
    assert.ok(detail.timeline.length > 0 && detail.workers.length > 0, 'the cell file has the timeline and the workers');
    // The records, with the per-cgroup and per-step metrics, are the run's results.json.
    const record = JSON.parse(readFileSync(join(runs, a, 'results.json'), 'utf8')).cells.find((c: { name: string }) => c.name === cell.name);
    assert.ok(record.metrics.cgroups && record.metrics.steps.length > 0, JSON.stringify(record).slice(0, 500));
    const table = ktstr(['stats', 'show', 'latest', '--runs-dir', runs]);
    assert.equal(table.status, 0);
    assert.match(table.stdout, /cell +status +secs +spread +gap ms/);

    // A/A: a run against itself pairs every cell and cannot regress.
    const same = ktstr(['stats', 'compare', a, a, '--runs-dir', runs]);
    assert.equal(same.status, 0, same.stdout + same.stderr);
    assert.match(same.stdout, /A and B share every dimension/);
    assert.match(same.stdout, /1 pair\(s\): 0 regression\(s\)/);
    // Two real runs pair too; the replicas of A are averaged (a wide threshold: this is about
    // pairing, not about how steady a loaded TCG host is).
    const across = JSON.parse(ktstr(['stats', 'compare', a, b, '--runs-dir', runs, '--threshold', '100000', '--json']).stdout);
    assert.equal(across.pairs.length, 1);
    assert.equal(across.pairs[0].aCells, 2);
    assert.equal(across.pairs[0].bCells, 1);
    assert.equal(across.exitCode, 0);
    const refused = ktstr(['stats', 'compare', a, b, '--runs-dir', runs, '--no-average']);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /--no-average: .*has 2 cells/);

    // A merge of a stored run is a run of its own, the cells' detail with it.
    const merge = ktstr(['stats', 'merge', join(runs, a), '--runs-dir', runs, '-o', join(runs, 'merged.json')]);
    assert.equal(merge.status, 0, merge.stderr);
    const merged = /stored run (\S+) in/.exec(merge.stderr)?.[1];
    assert.ok(merged, merge.stderr);

    const clean = ktstr(['stats', 'clean', '--keep', '1', '--runs-dir', runs, '--json']);
    assert.equal(clean.status, 0, clean.stderr);
    assert.equal(JSON.parse(clean.stdout).removed.length, 2);
    assert.ok(!existsSync(join(runs, a)) && !existsSync(join(runs, b)) && existsSync(join(runs, merged)));
    // Its detail outlives the run it came from.
    const mergedCells = JSON.parse(ktstr(['stats', 'show', merged, '--runs-dir', runs, '--json']).stdout).cells as { detail: string }[];
    assert.equal(mergedCells.length, 2);
    for (const c of mergedCells) assert.ok(JSON.parse(readFileSync(join(runs, merged, c.detail), 'utf8')).workers.length > 0, c.detail);
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
});

test('stats commands refuse what they cannot do, naming the value', () => {
  const runs = mkdtempSync(join(tmpdir(), 'ktstr-e2e-runs-'));
  try {
    const none = ktstr(['stats', 'compare', '--runs-dir', runs]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /RUN: finds no run in/);
    const keep = ktstr(['stats', 'clean', '--runs-dir', runs]);
    assert.equal(keep.status, 2);
    assert.match(keep.stderr, /--keep: is required/);
    const typo = ktstr(['stats', 'compare', '--a-kernal', '7.2']);
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /unknown option --a-kernal .*did you mean --a-kernel\?/);
    const defaults = JSON.parse(ktstr(['show-thresholds', '--json']).stdout);
    assert.deepEqual(defaults.metrics.find((m: { key: string }) => m.key === 'worstSpread'), { key: 'worstSpread', worse: 'higher', absolute: 0.05, relativePercent: 25, unit: 'fraction (0.05 = 5 percent points)' });
    const unknown = ktstr(['show-thresholds', 'eevdf keeps pinned cgroup on their LLC', '--path', 'examples/eevdf-baseline.test.ts']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Did you mean "eevdf keeps pinned cgroups on their LLC"\?/);
    // A test's assertion thresholds: its scheduler's declaration, resolved, with where each comes from.
    const declared = JSON.parse(ktstr(['show-thresholds', 'disjoint cpusets make progress under scx-ktstr', '--path', 'examples/fixture-scheduler.test.ts', '--json']).stdout);
    assert.deepEqual(declared.declared.map((d: { key: string; value: number; from: string; assertion: string }) => [d.key, d.value, d.from, d.assertion]),
      [['spread', 0.5, 'scheduler', 'spreadBelow'], ['gapMs', 1000, 'scheduler', 'gapBelowMs']]);
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
});
