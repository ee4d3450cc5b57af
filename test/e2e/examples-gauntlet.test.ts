// The examples are gauntlet-ready: every cell `--gauntlet` plans for them can run its scenario
// (checked for every listed cell without booting), a budgeted gauntlet of them passes on real
// VMs, and a scenario that does not fit its preset fails before boot, summarised as one
// authoring mistake with the gate to add.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { declaredBody, parseTopologyArg, probeScenario, type ProbeVerdict } from '@ktstr/core';
import { skipReason } from '../vm/cell-env.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'cli/bin/ktstr.js');
const env = (): NodeJS.ProcessEnv => {
  const e = { ...process.env };
  delete e.NODE_TEST_CONTEXT; // ktstr runs its own node:test processes
  delete e.KTSTR_DISCOVER;
  return e;
};
const ktstr = (args: string[], timeout: number) => spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout, env: env() });

interface ListedCell { name: string; test: string; preset: string; topology: string; status: string; reason: string; file: string }

/** Each example test's body, taken the way discovery takes declarations: KTSTR_DISCOVER=1 while importing. */
async function exampleBodies(): Promise<void> {
  process.env.KTSTR_DISCOVER = '1';
  try {
    for (const f of readdirSync(join(root, 'examples')).filter((n) => n.endsWith('.test.ts'))) {
      await import(pathToFileURL(join(root, 'examples', f)).href);
    }
  } finally {
    delete process.env.KTSTR_DISCOVER;
  }
}

test('every cell --gauntlet lists for the examples can run its scenario on its preset', async () => {
  const r = ktstr(['test', 'examples', '--gauntlet', '--list', '--json', '--kernel', 'k'], 120_000);
  assert.equal(r.status, 0, r.stderr);
  const cells = (JSON.parse(r.stdout) as { cells: ListedCell[] }).cells;
  assert.ok(cells.length >= 20, `only ${cells.length} cells listed`);
  await exampleBodies();
  const misfits: string[] = [];
  for (const c of cells) {
    const body = declaredBody(c.test);
    assert.equal(typeof body, 'function', `no body recorded for ${c.test}`);
    // The stand-in VM validates the body's scenario on the cell's shape, as a cell does before boot.
    const v: ProbeVerdict = await probeScenario(body as (vm: never) => Promise<void>, parseTopologyArg(c.topology), 2000);
    if (v.verdict !== 'fits') misfits.push(`${c.name}: ${v.verdict}: ${'message' in v ? v.message : ''}`);
  }
  assert.deepEqual(misfits, []);
  // The gates are what keeps them out: the LLC-pinned example is not planned on one LLC.
  assert.ok(!cells.some((c) => c.test === 'disjoint cpusets make progress under scx-ktstr' && c.preset === 'tiny-1llc'));
});

test('the probe tells a scenario that does not fit, with its gate', async () => {
  const { cgroup, cpuset, hold, work } = await import('@ktstr/core');
  const body = async (vm: { run: (c: unknown[], h: unknown) => Promise<unknown> }) => {
    await vm.run([cgroup('b', { cpuset: cpuset.llc(1), workers: 1, work: work.spinWait() })], hold.fraction(1));
  };
  const tiny1 = parseTopologyArg('tiny-1llc');
  const v = await probeScenario(body as (vm: never) => Promise<void>, tiny1, 2000);
  assert.equal(v.verdict, 'does-not-fit');
  assert.deepEqual((v as { gate: unknown }).gate, { minLlcs: 2 });
  assert.deepEqual(await probeScenario(body as (vm: never) => Promise<void>, parseTopologyArg('tiny-2llc'), 2000), { verdict: 'fits' });
  assert.equal((await probeScenario(async () => {}, tiny1, 2000)).verdict, 'unknown');
});

test('a scenario that does not fit its preset fails before boot, grouped with the gate to add', { skip: skipReason, timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(root, 'test', 'e2e', '.not-fit-'));
  try {
    writeFileSync(join(dir, 'llc1.test.ts'), `import { ktstrTest, cgroup, cpuset, hold, work } from '@ktstr/core';\n`
      + `ktstrTest('uses llc 1 ungated', { durationMs: 1000 }, async (vm) => {\n`
      + `  await vm.run([cgroup('b', { cpuset: cpuset.llc(1), workers: 1, work: work.spinWait() })], hold.fraction(1));\n});\n`);
    const started = Date.now();
    const r = ktstr(['test', dir, '--topology', 'tiny-1llc', '--json'], 300_000);
    assert.equal(r.status, 1, r.stderr.slice(-3000));
    const doc = JSON.parse(r.stdout) as { cells: { name: string; status: string; kind?: string; gate?: unknown; timing?: unknown }[] };
    assert.equal(doc.cells.length, 1);
    const [c] = doc.cells;
    assert.equal(c!.status, 'failed');
    assert.equal(c!.kind, 'scenario-does-not-fit');
    assert.deepEqual(c!.gate, { minLlcs: 2 });
    assert.equal(c!.timing, undefined, 'no VM started for it');
    assert.match(r.stderr, /scenario does not fit the preset: add a gate \(1 cell of 1 test\):\n {2}uses llc 1 ungated\n {4}add \{ minLlcs: 2 \} to its ktstrTest options; it then leaves out tiny-1llc\n {4}tiny-1llc: cgroups\[0\]\.cpuset: LLC 1 does not exist on tiny-1llc/);
    assert.doesNotMatch(r.stderr, /failed cells \(/, 'not listed again as a scheduler failure');
    assert.ok(Date.now() - started < 120_000, 'it did not wait for a boot');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A few minutes on a 2-core TCG host: the budget picks the cells covering most per second.
const BUDGET_SECS = process.env.KTSTR_EXAMPLES_BUDGET ?? '60';

test('a budgeted gauntlet of the examples passes on real VMs', { skip: skipReason, timeout: 1_200_000 }, () => {
  const r = ktstr(['test', 'examples', '--gauntlet', '--budget', BUDGET_SECS, '--jobs', '2', '--json'], 1_200_000);
  const doc = JSON.parse(r.stdout || '{"cells":[]}') as { cells: { name: string; status: string; reason?: string }[] };
  const failed = doc.cells.filter((c) => c.status === 'failed').map((c) => `${c.name}: ${c.reason}`);
  assert.deepEqual(failed, [], r.stderr.slice(-4000));
  assert.equal(r.status, 0, r.stderr.slice(-4000));
  const passed = doc.cells.filter((c) => c.status === 'passed');
  // More than the default run's home cells: other shapes ran too.
  assert.ok(passed.length >= 5, `only ${passed.length} passed`);
  assert.ok(new Set(passed.map((c) => c.name.split('/').at(-2))).size >= 3, 'fewer than 3 shapes');
});
