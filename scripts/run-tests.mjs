#!/usr/bin/env node
// Runs the whole suite in one node:test run (one closing summary): unit tests next to the code
// in every package, then the VM and end-to-end tests under test/. `--unit` runs only the former.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const unitOnly = process.argv.includes('--unit');

function testFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.test\.ts$/.test(name)) out.push(relative(root, p));
    }
  };
  walk(join(root, dir));
  return out;
}

const unit = ['presets', 'core', 'cli', 'native/src', 'language-server', 'vscode-extension'].flatMap((d) => {
  try {
    return testFiles(d);
  } catch {
    return [];
  }
});
const vm = unitOnly ? [] : testFiles('test');
// The suite's temporary files go in one directory removed at the end: tests make scratch
// directories, and runs whose cells fail on purpose keep their node:test reports as a user's
// failed run would (cli/src/commands/test.ts); none of that should outlive the suite.
// The runs the tests' `ktstr test` commands store go there too, not into the checkout's own
// .ktstr/runs, where they would pile up among the developer's runs (`ktstr stats list`).
const scratch = mkdtempSync(join(tmpdir(), 'ktstr-suite-'));
const env = { ...process.env, TMPDIR: scratch, KTSTR_RUNS_DIR: join(scratch, 'runs') };
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...unit, ...vm], { cwd: root, stdio: 'inherit', env });
rmSync(scratch, { recursive: true, force: true });
process.exit(r.status ?? 1);
