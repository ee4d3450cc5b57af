#!/usr/bin/env node
// Sets up everything ktstr needs on a fresh Debian bookworm machine, installing only what is
// missing: apt packages, npm packages, the TypeScript build, then what `ktstr setup` installs
// (the native addon, the guest agent, the default kernel, the kernel-source toolchain and the
// fixture scheduler) through the same code. Safe to run again: each step checks first and says
// whether it ran. Plain JavaScript with no dependencies, because it runs before `npm install`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();

// The one list of Debian packages, shared with `ktstr setup` (core/src/setup/apt.ts). The
// bootstrap also installs those only this repository's own tests need (scope "repository").
const APT_PACKAGES = Object.fromEntries(
  Object.entries(JSON.parse(readFileSync(join(root, 'core', 'apt-packages.json'), 'utf8')).packages).map(([name, p]) => [name, p.why]),
);

function step(n, total, what) {
  process.stderr.write(`ktstr bootstrap [${n}/${total}] ${what}\n`);
}
function note(line) {
  process.stderr.write(`    ${line}\n`);
}
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    process.stderr.write(`ktstr bootstrap: \`${cmd} ${args.join(' ')}\` failed (${r.error?.message ?? `exit ${r.status}`})\n`);
    process.exit(1);
  }
  return r;
}
function output(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

const TOTAL = 4;

step(1, TOTAL, 'apt packages');
const missing = Object.keys(APT_PACKAGES).filter((p) => output('dpkg-query', ['-W', '-f=${Status}', p]) !== 'install ok installed');
if (missing.length === 0) note('up to date: all present');
else {
  note(`missing: ${missing.map((p) => `${p} (${APT_PACKAGES[p]})`).join(', ')}`);
  if (process.getuid?.() !== 0) {
    process.stderr.write(`ktstr bootstrap: installing packages needs root. Run: sudo apt-get install -y ${missing.join(' ')}\n`);
    process.exit(1);
  }
  run('apt-get', ['update', '-q']);
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

step(2, TOTAL, 'npm packages');
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (existsSync(installed) && mtime(installed) >= mtime(lock) && mtime(installed) >= mtime(join(root, 'package.json'))) note('up to date');
else run('npm', ['install', '--no-audit', '--no-fund']);

step(3, TOTAL, 'TypeScript build');
run(process.execPath, ['scripts/build-ts.mjs']);

// The rest is what a project that installs ktstr from npm gets from `npx ktstr setup`, and is
// that same code (core/src/setup): the addon, the guest agent, the kernel, the toolchain and the
// fixture scheduler, each checked first and built only when missing or stale.
step(4, TOTAL, 'machine set-up (the same as `npx ktstr setup`)');
const { runSetup } = await import(pathToFileURL(join(root, 'core', 'dist', 'setup', 'index.js')).href);
// sudoUser: undefined: under sudo the bootstrap still does everything, as it always has.
const setup = await runSetup({ log: note, aptScope: 'repository', sudoUser: undefined });
if (!setup.ok) process.exit(1);

process.stderr.write(`ktstr bootstrap: ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
