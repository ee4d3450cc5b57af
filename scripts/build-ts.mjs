#!/usr/bin/env node
// The TypeScript step of the bootstrap: `tsc -b tsconfig.json`, which is silent whether it built
// everything or nothing. Run with --verbose, its per-project verdicts become one line: "up to
// date", or which projects were built. Its output is shown in full only when the build fails.
// Plain JavaScript: it runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const started = Date.now();
const r = spawnSync(process.execPath, [tsc, '-b', '--verbose', 'tsconfig.json'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
if (r.status !== 0) {
  // --verbose adds a status line per project; the compiler's errors are the rest.
  process.stderr.write(text.split('\n').filter((l) => !/^[\d:]+(?: [AP]M)? - (Project|Building|Updating|Projects in this build)/.test(l) && !/^ {4}\* /.test(l)).join('\n').replace(/\n{3,}/g, '\n\n'));
  process.stderr.write(`\n\`tsc -b tsconfig.json\` failed (${r.error?.message ?? `exit ${r.status}`})\n`);
  process.exit(1);
}
const built = [...text.matchAll(/Building project '([^']+)'/g)].map((m) => {
  const dir = dirname(m[1]);
  return dir === root ? '.' : dir.slice(root.length + 1);
});
process.stderr.write(built.length === 0
  ? '    up to date\n'
  : `    built ${built.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
