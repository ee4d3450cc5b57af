// Completing `--filter` must not import test files (that is a discovery run, seconds per Tab):
// it reads the index of test names that listing and runs write, and scans a file that changed
// since for its literal names. A test file that records each import proves which path ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

test('completion answers from the index and a static scan, never by importing test files', () => {
  // Under the repository so that the file resolves @ktstr/core; its own cache keeps the index apart.
  const project = mkdtempSync(join(root, 'test', 'e2e', '.compl-'));
  try {
    const cache = join(project, 'cache');
    const marker = join(project, 'imports.log');
    mkdirSync(join(project, 'test'));
    const file = join(project, 'test', 'names.test.ts');
    const name = (suffix: string) => `computed ${suffix}`;
    writeFileSync(file, [
      `import { appendFileSync } from 'node:fs';`,
      `import { ktstrTest } from '@ktstr/core';`,
      `appendFileSync(${JSON.stringify(marker)}, 'imported\\n');`,
      // A computed name: only discovery knows it, so it can only come from the index.
      `ktstrTest(['computed', 'one'].join(' '), {}, async () => {});`,
      `ktstrTest('literal two', {}, async () => {});`,
      '',
    ].join('\n'));
    const env = { ...process.env, KTSTR_CACHE_DIR: cache };
    const run = (args: string[]) => spawnSync(process.execPath, args, { cwd: project, env, encoding: 'utf8', timeout: 120_000 });
    const complete = () => JSON.parse(run([join(root, 'cli/dist/complete-tests.js'), '--stats']).stdout) as { files: number; fromIndex: number; scanned: number; names: string[] };

    // Before any discovery: the static scan finds the literal name only, without importing.
    const cold = complete();
    assert.deepEqual(cold, { files: 1, fromIndex: 0, scanned: 1, names: ['literal two'] });
    assert.equal(existsSync(marker), false);

    const listed = run([join(root, 'cli/bin/ktstr.js'), 'test', '--list', '--json']);
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).tests, [name('one'), 'literal two']);
    const importsAfterListing = readFileSync(marker, 'utf8');

    const warm = complete();
    assert.deepEqual(warm, { files: 1, fromIndex: 1, scanned: 0, names: [name('one'), 'literal two'] });
    // The file changed since the index: scanned again, its new literal found, still not imported.
    appendFileSync(file, `ktstrTest("literal three", {}, async () => {});\n`);
    const changed = complete();
    assert.equal(changed.scanned, 1);
    assert.deepEqual(changed.names, ['literal two', 'literal three']);
    assert.equal(readFileSync(marker, 'utf8'), importsAfterListing, 'completion imported a test file');

    // The shell script runs the same reader (by absolute path: ktstr need not be on PATH).
    const script = run([join(root, 'cli/bin/ktstr.js'), 'completions', 'bash']).stdout;
    assert.match(script, /complete-tests\.js/);
    assert.doesNotMatch(script, /ktstr test --list/);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});
