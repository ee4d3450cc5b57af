// `ktstr coverage` end to end: a tiny test file runs one cell under the fixture scheduler's
// coverage build, and the lcov it writes holds both sides: the test file's lines (host, V8) and
// the loader's lines (guest, gcov of scx_ktstr.c), with lines that ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixtureCoverageBinary, parseLcov } from '@ktstr/core';
import { skipReason } from '../vm/cell-env.js';

const root = join(import.meta.dirname, '..', '..');
const LOADER_SOURCE = join(root, 'native', 'scheduler', 'scx_ktstr.c');

const TINY = `import { ktstrTest, cgroup, hold, work, SCX_KTSTR } from '@ktstr/core';

ktstrTest('coverage smoke', {
  scheduler: SCX_KTSTR,
  topology: { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 },
  durationMs: 1000,
}, async (vm) => {
  const r = await vm.run([cgroup('spin', { workers: 2, work: work.spinWait() })], hold.fraction(1));
  r.expect.noStall();
});
`;

test('ktstr coverage writes lcov of the test file and of the scheduler loader, and leaves nothing in /tmp', { skip: skipReason, timeout: 600_000 }, async (t) => {
  // Built by the bootstrap (native/scripts/build-scheduler.sh --coverage); build it if missing.
  const build = spawnSync('bash', [join(root, 'native/scripts/build-scheduler.sh'), '--coverage'], { encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr.slice(-2000));
  // Inside the repository, so the test file resolves @ktstr/core like a user's would.
  const dir = mkdtempSync(join(root, 'test', 'e2e', '.coverage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const testFile = join(dir, 'tiny.test.ts');
  const lcovFile = join(dir, 'out', 'ktstr.lcov');
  writeFileSync(testFile, TINY);
  // A temporary directory of the run's own, to see what it leaves there.
  const tmp = mkdtempSync(join(tmpdir(), 'ktstr-coverage-e2e-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));

  const r = spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), 'coverage', testFile, '--lcov', lcovFile, '--json'], {
    cwd: root, encoding: 'utf8', timeout: 540_000, env: { ...process.env, TMPDIR: tmp },
  });
  assert.equal(r.status, 0, r.stderr.slice(-4000));
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.cells.length, 1);
  assert.equal(doc.cells[0].status, 'passed');
  assert.equal(doc.cells[0].scheduler, 'scx-ktstr');
  assert.ok(doc.coverage.guestGcdaFiles >= 1, `no .gcda came back: ${JSON.stringify(doc.coverage)}`);

  const lcov = parseLcov(readFileSync(lcovFile, 'utf8'));
  const hit = (file: string) => [...(lcov.get(file)?.lines ?? new Map<number, number>())].filter(([, n]) => n > 0).map(([line]) => line);
  assert.ok(lcov.has(testFile), `no SF record for the test file; files: ${[...lcov.keys()].join(', ')}`);
  assert.ok(hit(testFile).length > 0, 'no line of the test file was hit');
  // The body ran on the host: its vm.run line is covered.
  const runLine = TINY.split('\n').findIndex((l) => l.includes('vm.run(')) + 1;
  assert.ok(hit(testFile).includes(runLine), `line ${runLine} (vm.run) not hit`);

  assert.ok(lcov.has(LOADER_SOURCE), `no SF record for ${LOADER_SOURCE}; files: ${[...lcov.keys()].join(', ')}`);
  const loaderHits = hit(LOADER_SOURCE);
  // The loader attached (SCX_OPS_ATTACH), polled, and left through its SIGINT exit path.
  const src = readFileSync(LOADER_SOURCE, 'utf8').split('\n');
  const lineOf = (needle: string) => src.findIndex((l) => l.includes(needle)) + 1;
  for (const needle of ['link = SCX_OPS_ATTACH(', 'bpf_link__destroy(link);']) {
    assert.ok(loaderHits.includes(lineOf(needle)), `loader line ${lineOf(needle)} (${needle}) not hit; hit: ${loaderHits.join(',')}`);
  }
  assert.ok(fixtureCoverageBinary().endsWith('scx-ktstr-cov'));
  // Host and guest files are told apart in the summary.
  const sides = Object.fromEntries(doc.coverage.files.map((f: { file: string; side: string }) => [f.file, f.side]));
  assert.equal(sides[testFile], 'host');
  assert.equal(sides[LOADER_SOURCE], 'guest');

  // The run's spare keeper outlives it by a moment; once its socket is gone it has exited, and
  // nothing of the run may be left: not the coverage directory (which the keeper's own V8
  // coverage used to recreate as it exited), not a VM's directory.
  const left = () => readdirSync(tmp);
  for (let i = 0; i < 120 && left().some((n) => n.startsWith('ktstr-spares-')); i++) await sleep(250);
  // (tsx-<uid> is the TypeScript loader's own compile cache, kept on purpose.)
  assert.deepEqual(left().filter((n) => !n.startsWith('tsx-')), [], 'left in the run\'s temporary directory');
});
