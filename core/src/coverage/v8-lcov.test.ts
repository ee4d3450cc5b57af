import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildCoverageReport, v8DirOf } from './coverage-report.js';
import { COVERAGE_DIR_ENV } from './guest-coverage.js';
import { vmUnavailableReason } from '../api/ktstr-test.js';
import { framesOf } from './throw-sites.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, 'fixtures');
const fixture = join(fixtures, 'line-hits.ts');

/**
 * Runs fixtures/line-hits.ts under Node and tsx with NODE_V8_COVERAGE, as a `ktstr coverage` test
 * process does, calling each function the way a test body would; the failed assertion is caught
 * and recorded by the same call the framework makes when a test body throws. The caller is an
 * inline script, outside the fixtures directory, as the framework's own code is outside the
 * user's paths.
 */
function runFixture(dir: string): void {
  const script = `
    import { recordThrowSite } from ${JSON.stringify(pathToFileURL(join(here, 'throw-sites.ts')).href)};
    await import(${JSON.stringify(pathToFileURL(join(fixtures, 'no-functions.ts')).href)});
    const f = await import(${JSON.stringify(pathToFileURL(fixture).href)});
    try { f.throwsMidway(1); } catch (e) { recordThrowSite(e); }
    try { f.assertsMidway(); } catch (e) { recordThrowSite(e); }
    try { f.throwsInLongCall(); } catch (e) { recordThrowSite(e); }
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
    env: { ...process.env, NODE_V8_COVERAGE: v8DirOf(dir), [COVERAGE_DIR_ENV]: dir, NODE_TEST_CONTEXT: undefined },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
}

test('lcov lists exactly the executable lines, with none after a throw counted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-v8-lcov-'));
  try {
    runFixture(dir);
    const report = await buildCoverageReport(dir, [fixtures]);
    const lines = Object.fromEntries(report.tracefile.get(fixture)?.lines ?? []);
    assert.deepEqual(lines, {
      1: 1, //  import assert ...            (line 2 blank, line 3 a comment: absent)
      4: 1, //  export function throwsMidway: the declaration ran at import
      5: 1, //    const a = n + 1;
      6: 1, //    if (a > 100) {
      7: 0, //      return a;                 (line 8 a closing brace: absent)
      9: 1, //    throw new Error('midway');
      10: 0, //   return a * 2;               after the throw (line 11: brace)
      13: 1, // export function neverCalled
      14: 0, //   const x = 1;                never called (line 15 blank)
      16: 0, //   return x + 1;
      19: 1, // export function assertsMidway
      20: 1, //   const v = 1;
      21: 1, //   assert.equal(v, 2);          threw
      22: 0, //   const w = v + 1;             after the failed assertion
      23: 0, //   console.log(w);
      26: 1, // export function throwsInLongCall
      27: 1, //   const n = 1;
      28: 1, //   check(                       threw in check(), called from here
      29: 1, //     n,                         arguments: evaluated before the call
      30: 1, //     2,                         (line 31, `);`, absent)
      32: 0, //   const after = n;             after the statement that threw
      33: 0, //   console.log(after);
      36: 1, // function check
      37: 1, //   assert.equal(a, b);          threw (its own frame)
    });
    const file = report.files.find((f) => f.file === fixture);
    assert.deepEqual(file && { hit: file.linesHit, total: file.linesTotal }, { hit: 16, total: 24 });
    assert.match(report.lcov, /^DA:22,0$/m);
    // A file with no function of its own: its first line is where the transpiled script starts.
    assert.deepEqual(Object.fromEntries(report.tracefile.get(join(fixtures, 'no-functions.ts'))?.lines ?? []), { 1: 1, 4: 1 });
    assert.doesNotMatch(report.lcov, /^DA:(2|3|8|11|15|31),/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a ktstrTest body that fails records where, so its later lines read as not run', { skip: vmUnavailableReason() ?? false }, async () => {
  // The body fails before it uses its VM, so no VM boots: what is tested is ktstrTest's own
  // recording of the error under a coverage run, and the conversion of what it wrote.
  const body = join(fixtures, 'ktstr-body.ts');
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-v8-lcov-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', body], {
      env: { ...process.env, NODE_V8_COVERAGE: v8DirOf(dir), [COVERAGE_DIR_ENV]: dir, NODE_TEST_CONTEXT: undefined },
      encoding: 'utf8',
    });
    assert.equal(r.status, 1, `the fixture's test fails:\n${r.stdout}${r.stderr}`);
    const report = await buildCoverageReport(dir, [body]);
    assert.deepEqual(Object.fromEntries(report.tracefile.get(body)?.lines ?? []), {
      1: 1, 2: 1, 4: 1, // the imports and the ktstrTest call
      5: 1, //  const expected = 2;
      6: 1, //  assert.equal(1, expected);   threw
      7: 0, //  const after = expected;
      8: 0, //  assert.ok(after);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stack frames are read with their file, line and column', () => {
  const stack = [
    'AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:',
    '    at assertsMidway (/w/test/a.test.ts:21:10)',
    '    at async file:///w/test/b.test.ts:7:3',
    '    at node:internal/modules/esm/module_job:325:25',
  ].join('\n');
  assert.deepEqual(framesOf(stack), [
    { file: '/w/test/a.test.ts', line: 21, column: 10 },
    { file: '/w/test/b.test.ts', line: 7, column: 3 },
  ]);
});
