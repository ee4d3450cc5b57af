// `ktstr export` end to end: a passing and a failing test are exported as runfiles and run
// inside a VM booted by `ktstr shell` as the "bare metal"; each must get the verdict its cell
// gets under `ktstr test` (exit status and verdict JSON), `--verify` must agree on the host,
// and a machine of another shape must be refused with exit 2 and the reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeArtifacts } from '@ktstr/native';
import { skipReason } from '../vm/cell-env.js';

const root = join(import.meta.dirname, '..', '..');
const ktstr = (args: string[]) => spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), ...args], { encoding: 'utf8', timeout: 300_000 });

// Under the repository so that the file resolves @ktstr/core as a user's tests would; not a
// *.test.ts name, so no test run picks it up by itself.
let dir = '';
let cases = '';
const PASSING = 'export pinned halves progress';
const FAILING = 'export impossible iteration count';
const SCHEDULED = 'export under the fixture scheduler';

before(() => {
  dir = mkdtempSync(join(root, 'test', 'e2e', '.export-'));
  cases = join(dir, 'export-cases.ts');
  writeFileSync(cases, `import { declareScheduler, ktstrTest, cgroup, cpuset, hold, work } from '@ktstr/core';
const topology = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };
const scheduler = declareScheduler({ name: 'scx-ktstr', binary: ${JSON.stringify(nativeArtifacts.fixtureScheduler)}, topology });
ktstrTest(${JSON.stringify(SCHEDULED)}, { scheduler, durationMs: 1500 }, async (vm) => {
  const r = await vm.run([cgroup('a', { workers: 2, work: work.spinWait() })], hold.fraction(1));
  r.expect.noStall();
});
ktstrTest(${JSON.stringify(PASSING)}, { topology, durationMs: 1500 }, async (vm) => {
  const r = await vm.run([
    cgroup('a', { cpuset: cpuset.llc(0), workers: 2, work: work.spinWait() }),
    cgroup('b', { cpuset: cpuset.llc(1), workers: 2, work: work.spinWait() }),
  ], hold.fraction(1));
  r.expect.noStall().ranOnlyOnItsCpuset().ranOnlyOn(cpuset.llc(1), 'b');
  console.log('iterations', r.metrics.totalIterations);
});
ktstrTest(${JSON.stringify(FAILING)}, { topology, durationMs: 1500 }, async (vm) => {
  const r = await vm.run([cgroup('a', { cpuset: cpuset.llc(0), workers: 2, work: work.spinWait() })], hold.fraction(1));
  r.expect.noStall().inCgroup('a').everyWorkerIterationsAtLeast(1e12);
});
`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function exportRunfile(name: string, extra: string[] = []): string {
  const out = join(dir, `${name.replace(/ /g, '-')}.run`);
  const r = ktstr(['export', name, cases, '-o', out, '--json', ...extra]);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.runfile, out);
  assert.equal(summary.topology, '1n2l2c1t');
  assert.deepEqual(summary.hostOnly, []);
  return out;
}

/** Runs the runfile in a VM of `topology`; its verdict JSON, its exit status and the saved messages. */
function runOnTarget(runfile: string, topology = '1n2l2c1t') {
  const name = runfile.split('/').pop()!;
  const r = ktstr(['shell', '--topology', topology, '--include-files', runfile, '--json', '--exec',
    `sh /bin/${name} --messages /tmp/m.jsonl > /tmp/v.json; s=$?; cat /tmp/v.json; echo "@@status $s"; cat /tmp/m.jsonl 2>/dev/null; true`]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout).stdout as string;
  const [verdictText, rest] = out.split('@@status ');
  const status = Number(rest!.split('\n')[0]);
  const messages = rest!.split('\n').slice(1).join('\n');
  return { verdict: JSON.parse(verdictText!), status, messages };
}

/** The cell's own verdict under `ktstr test`. */
function cellVerdict(name: string) {
  const r = ktstr(['test', cases, '--filter', `^${name}/`, '--json']);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.cells.length, 1, r.stderr);
  return doc.cells[0] as { status: string; reason?: string };
}

test('a passing test passes as a runfile on a machine of its shape, as its cell does, and --verify agrees', { skip: skipReason, timeout: 900_000 }, () => {
  const cell = cellVerdict(PASSING);
  assert.equal(cell.status, 'passed', cell.reason);
  const runfile = exportRunfile(PASSING);
  const t = runOnTarget(runfile);
  assert.equal(t.status, 0, JSON.stringify(t.verdict));
  assert.equal(t.verdict.verdict, 'pass');
  assert.equal(t.verdict.topology, '1n2l2c1t');
  assert.deepEqual(t.verdict.checks.map((c: { check: string; ok: boolean }) => [c.check, c.ok]),
    [['noStall', true], ['ranOnlyOnItsCpuset', true], ['ranOnlyOn', true]]);
  assert.equal(t.verdict.metrics.workers.length, 4);
  assert.ok(t.verdict.metrics.totalIterations > 0);
  // The b workers ran on LLC 1 = CPUs 2,3 only.
  for (const w of t.verdict.metrics.workers.filter((x: { cgroup: string }) => x.cgroup === 'b')) {
    assert.ok(w.cpus.every((c: number) => c === 2 || c === 3), JSON.stringify(w));
  }
  const saved = join(dir, 'pass.jsonl');
  writeFileSync(saved, t.messages);
  const v = ktstr(['export', PASSING, cases, '--verify', saved, '--json']);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.equal(JSON.parse(v.stdout).verdict, 'pass');
});

test('a failing test fails as a runfile the way its cell fails, and --verify agrees', { skip: skipReason, timeout: 900_000 }, () => {
  const cell = cellVerdict(FAILING);
  assert.equal(cell.status, 'failed');
  assert.match(cell.reason ?? '', /cgroup a worker \d+ \(pid \d+\) made \d+ iterations < 1000000000000/);
  const t = runOnTarget(exportRunfile(FAILING));
  assert.equal(t.status, 1, JSON.stringify(t.verdict));
  assert.equal(t.verdict.verdict, 'fail');
  assert.match(t.verdict.reason, /cgroup a: cgroup a worker \d+ \(pid \d+\) made \d+ iterations < 1000000000000/);
  assert.deepEqual(t.verdict.checks.map((c: { check: string; ok: boolean }) => [c.check, c.ok]),
    [['noStall', true], ['everyWorkerIterationsAtLeast', false]]);
  const saved = join(dir, 'fail.jsonl');
  writeFileSync(saved, t.messages);
  const v = ktstr(['export', FAILING, cases, '--verify', saved, '--json']);
  assert.equal(v.status, 1, v.stdout + v.stderr);
  const verdict = JSON.parse(v.stdout);
  assert.equal(verdict.verdict, 'fail');
  assert.match(verdict.reason, /made \d+ iterations < 1000000000000/);
});

test('a machine of another shape is refused with exit 2 and what differs, before anything runs', { skip: skipReason, timeout: 600_000 }, () => {
  const t = runOnTarget(exportRunfile(PASSING), '1n1l2c1t');
  assert.equal(t.status, 2, JSON.stringify(t.verdict));
  assert.equal(t.verdict.verdict, 'cannot-run');
  assert.match(t.verdict.reason, /topology mismatch: this machine has 1 NUMA node\(s\), 1 LLC\(s\), 2 online CPU\(s\), 1 thread\(s\) per core; the test was exported for 1n2l2c1t/);
  assert.match(t.verdict.reason, /--topology 1n1l2c1t/);
  assert.equal(t.messages.trim(), '', 'the agent must not have run');
});

test('with --start-scheduler the packaged scheduler (and its libraries) runs the test; without it and none active, exit 2', { skip: skipReason, timeout: 600_000 }, () => {
  const runfile = exportRunfile(SCHEDULED);
  const name = runfile.split('/').pop()!;
  const r = ktstr(['shell', '--topology', '1n2l2c1t', '--include-files', runfile, '--json', '--exec',
    `sh /bin/${name} --start-scheduler; echo "@@status $?"; sh /bin/${name}; echo "@@status $?"`]);
  assert.equal(r.status, 0, r.stderr);
  // Each runfile prints one JSON line, then the exec prints its status.
  const [started, startedStatus, plain, plainStatus] = (JSON.parse(r.stdout).stdout as string).trim().split('\n');
  assert.equal(startedStatus, '@@status 0', started);
  const v = JSON.parse(started!);
  assert.equal(v.verdict, 'pass');
  assert.equal(v.scheduler, 'scx-ktstr');
  assert.deepEqual(v.checks, [{ check: 'noStall', ok: true }]);
  assert.equal(plainStatus, '@@status 2', plain);
  assert.match(JSON.parse(plain!).reason, /the test is for the sched_ext scheduler scx-ktstr, and none is active here .*--start-scheduler/);
});

test('export refuses an unknown test, naming the ones it found, and a bad --scheduler-binary', () => {
  const r = ktstr(['export', 'no such test', cases]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /is not a test declared in 1 file\(s\) \(got "no such test"\).*"export pinned halves progress"/s);
  const b = ktstr(['export', PASSING, cases, '--scheduler-binary', 'sometimes']);
  assert.equal(b.status, 2);
  assert.match(b.stderr, /--scheduler-binary.*must be include or omit/);
});
