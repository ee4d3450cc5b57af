// The command line refuses what it does not understand instead of ignoring it: unknown
// options and commands exit 2 with the nearest known word, an interactive shell is refused
// when nothing can type into it, and a listing reports every test file that failed to load
// while still listing the good files' cells. None of these boot a VM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'cli/bin/ktstr.js');
const ktstr = (args: string[], cwd = root) => spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });

test('an unknown option is a usage error naming the option it was probably meant to be', () => {
  const r = ktstr(['test', 'examples', '--topolgy', '1n1l2c1t']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /unknown option --topolgy for ktstr test; did you mean --topology\?/);
  assert.equal(r.stdout, '', 'nothing was planned or run');
  const shell = ktstr(['shell', '--exce', 'true']);
  assert.equal(shell.status, 2);
  assert.match(shell.stderr, /unknown option --exce for ktstr shell; did you mean --exec\?/);
  const short = ktstr(['stats', 'merge', 'a.json', '-x']);
  assert.equal(short.status, 2);
  assert.match(short.stderr, /unknown option -x for ktstr stats merge/);
});

test('unknown commands, missing and surplus arguments exit 2 with what to do', () => {
  const typo = ktstr(['tset']);
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /unknown command tset; did you mean test\?/);
  const sub = ktstr(['kernel', 'fecth']);
  assert.equal(sub.status, 2);
  assert.match(sub.stderr, /unknown command kernel fecth; did you mean kernel fetch\?/);
  const missing = ktstr(['completions']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /ktstr completions needs <shell>/);
  const extra = ktstr(['presets', 'numa2']);
  assert.equal(extra.status, 2);
  assert.match(extra.stderr, /unexpected argument numa2 for ktstr presets/);
  assert.equal(ktstr([]).status, 2);
});

test('flags of the other mode of ktstr test are refused, not ignored', () => {
  const r = ktstr(['test', '--scenario', 'cpuset/disjoint', '--gauntlet', '--filter', 'x']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--scenario: runs one canned scenario and takes no --filter, --gauntlet/);
  const s = ktstr(['test', 'examples', '--scheduler', 'scx-ktstr', '--list']);
  assert.equal(s.status, 2);
  assert.match(s.stderr, /--scheduler: is only for --scenario/);
});

test('known options, --no- negations, = values and anything after -- pass', () => {
  const r = ktstr(['presets', '--arch=aarch64', '--json', '--', '--not-ours']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).length, 14);
  assert.equal(ktstr(['presets', '--no-json']).status, 0);
  assert.equal(ktstr(['test', '--help']).status, 0);
});

test('a switch does not take the word after it: ktstr test --list FILE lists FILE', () => {
  const r = ktstr(['test', '--list', '--json', join(root, 'examples/eevdf-baseline.test.ts'), '--kernel', 'k']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).tests, ['eevdf keeps pinned cgroups on their LLC']);
});

test('ktstr shell without a terminal and without --exec refuses before booting', () => {
  const r = ktstr(['shell', '--topology', '1n1l2c1t']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /stdin is not a terminal and there is no --exec.*--exec "CMD"/s);
  assert.doesNotMatch(r.stderr, /booting/);
});

test('every test file that fails to load is reported, and the good files are still listed', () => {
  // Under the repository so that the files resolve @ktstr/core as a user's tests would.
  const dir = mkdtempSync(join(root, 'test', 'e2e', '.decl-'));
  try {
    writeFileSync(join(dir, 'good.test.ts'), `import { ktstrTest } from '@ktstr/core';\nktstrTest('good one', {}, async () => {});\n`);
    // The good declaration before the bad one must not be listed under another file.
    writeFileSync(join(dir, 'bad-gates.test.ts'), `import { ktstrTest } from '@ktstr/core';\nktstrTest('fine before', {}, async () => {});\nktstrTest('bad gates', { minLlcs: 0 }, async () => {});\n`);
    writeFileSync(join(dir, 'bad-duration.test.ts'), `import { ktstrTest } from '@ktstr/core';\nktstrTest('bad duration', { durationMs: -1 }, async () => {});\n`);
    const r = ktstr(['test', dir, '--list', '--json']);
    assert.equal(r.status, 2, r.stderr);
    const listing = JSON.parse(r.stdout) as { tests: string[]; cells: { test: string; file: string }[]; errors: { file: string; message: string }[] };
    assert.deepEqual(listing.tests, ['good one']);
    assert.ok(listing.cells.length > 0 && listing.cells.every((c) => c.file.endsWith('good.test.ts')));
    assert.deepEqual(listing.errors.map((e) => e.file.split('/').pop()).sort(), ['bad-duration.test.ts', 'bad-gates.test.ts']);
    assert.match(r.stderr, /2 test file\(s\) failed to load/);
    assert.match(r.stderr, /bad-gates\.test\.ts\n\s+ktstrTest\("bad gates"\)\.minLlcs: must be a whole number >= 1/);
    assert.match(r.stderr, /bad-duration\.test\.ts\n\s+ktstrTest\("bad duration"\)\.durationMs: must be a whole number of ms > 0/);
    const text = ktstr(['test', dir, '--list']);
    assert.equal(text.status, 2);
    assert.match(text.stdout, /good one\//);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
