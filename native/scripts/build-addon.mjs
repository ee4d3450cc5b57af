#!/usr/bin/env node
// `npm run build:addon -w @ktstr/native`: builds the host addon with cmake-js, unless the built
// .node is newer than every file it is built from, in which case it says "up to date" without
// starting cmake (which takes seconds and prints a screenful even when ninja has nothing to do).
// cmake's output goes to build/cmake.log and is shown only when the build fails, so a rerun of
// the bootstrap reads as one line per step.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const nativeRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = join(nativeRoot, 'addon');
const out = join(nativeRoot, 'build');
const addon = join(out, 'Release', 'ktstr_native.node');
const log = join(out, 'cmake.log');
const say = (line) => process.stderr.write(`    ${line}\n`);
// Paths in messages are relative to the repository, wherever npm runs this from.
const shown = (p) => relative(join(nativeRoot, '..'), p);

/** Every file under addon/ (CMakeLists.txt, package.json, src/): what the build reads. */
function inputs(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? inputs(join(dir, e.name)) : [join(dir, e.name)]));
}

const newest = Math.max(...inputs(sources).map((f) => statSync(f).mtimeMs));
if (existsSync(addon) && statSync(addon).mtimeMs >= newest) {
  say(`up to date: ${shown(addon)}`);
  process.exit(0);
}

const cmakeJs = join(dirname(createRequire(import.meta.url).resolve('cmake-js/package.json')), 'bin', 'cmake-js');
const started = Date.now();
const r = spawnSync(process.execPath, [cmakeJs, 'build', '--directory', sources, '--out', out, '--parallel', '1'], {
  cwd: nativeRoot, encoding: 'utf8', maxBuffer: 64 << 20,
});
mkdirSync(out, { recursive: true });
writeFileSync(log, `${r.stdout ?? ''}${r.stderr ?? ''}`);
if (r.status !== 0) {
  process.stderr.write(readFileSync(log, 'utf8').split('\n').slice(-60).join('\n'));
  process.stderr.write(`\nbuilding the addon failed (${r.error?.message ?? `exit ${r.status}`}); the whole cmake output is in ${log}\n`);
  process.exit(1);
}
// ninja relinks only when an object changed; touching the result keeps the check above from
// sending an edit that changed nothing (a comment in package.json) back to cmake on every run.
const now = new Date();
utimesSync(addon, now, now);
say(`built ${shown(addon)} in ${((Date.now() - started) / 1000).toFixed(1)} s (cmake output in ${shown(log)})`);
