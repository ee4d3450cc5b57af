#!/usr/bin/env node
// `npm run pack [-- --out DIR] [--json]`: the publishable workspaces as `npm pack` tarballs in one
// directory (default dist/packages/), which stand in for the npm registry until the packages are
// published: in any project, `npm install --save-dev DIR/*.tgz` installs ktstr from them. The
// packages ship their compiled dist/ and the prebuilt static guest agent, so this needs a built
// tree (`npm run bootstrap` or `npm run build`) and refuses a partial one. Internal dependencies
// are pinned to the exact versions packed together, which is checked here, so the tarballs
// resolve among themselves and never from the registry.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The workspaces a user installs, in dependency order. */
const PACKAGES = ['presets', 'native', 'core', 'cli', 'language-server'];

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = resolve(outAt >= 0 && args[outAt + 1] ? args[outAt + 1] : join(root, 'dist', 'packages'));
const json = args.includes('--json');
const fail = (msg) => {
  process.stderr.write(`ktstr pack: ${msg}\n`);
  process.exit(1);
};

const manifests = new Map(PACKAGES.map((dir) => [dir, JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'))]));
const versions = new Map([...manifests.values()].map((m) => [m.name, m.version]));
for (const [dir, m] of manifests) {
  if (m.private) fail(`${dir}/package.json is private: true; a private package cannot be installed from the registry`);
  if (!existsSync(join(root, dir, 'dist'))) fail(`${dir}/dist is missing: run \`npm run bootstrap\` (or \`npm run build\`) first`);
  for (const [dep, range] of Object.entries(m.dependencies ?? {})) {
    if (versions.has(dep) && range !== versions.get(dep)) {
      fail(`${dir}/package.json: dependencies.${dep} is "${range}"; pin it to "${versions.get(dep)}", the version packed with it`);
    }
  }
}
// What the compiled code imports must be a declared dependency: in a project, unlike in this
// workspace, nothing else is guaranteed to sit in node_modules beside it.
const IMPORT = /^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []));
}
for (const [dir, m] of manifests) {
  const declared = new Set([m.name, ...Object.keys(m.dependencies ?? {})]);
  for (const file of jsFiles(join(root, dir, 'dist'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = match[1] ?? match[2] ?? match[3];
      if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (!declared.has(name)) fail(`${file.slice(root.length + 1)} imports ${name}, which ${dir}/package.json does not list in dependencies; add it there`);
    }
  }
}
if (!existsSync(join(root, 'native', 'out', 'ktstr-guest'))) fail('native/out/ktstr-guest is missing: run `make -C native/guest` (or `npm run bootstrap`) first');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const started = Date.now();
const r = spawnSync('npm', ['pack', '--json', '--pack-destination', out, ...PACKAGES.flatMap((p) => ['-w', p])], {
  cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
});
if (r.status !== 0) fail(`\`npm pack\` failed (${r.error?.message ?? `exit ${r.status}`})`);
const packed = JSON.parse(r.stdout).map((p) => ({ name: p.name, version: p.version, file: join(out, p.filename), size: p.size, files: p.entryCount }));
if (json) process.stdout.write(`${JSON.stringify({ dir: out, packages: packed }, null, 2)}\n`);
else {
  for (const p of packed) process.stderr.write(`ktstr pack: ${p.file} (${p.name}@${p.version}, ${p.files} files, ${(p.size / 1024).toFixed(0)} KiB)\n`);
  process.stderr.write(`ktstr pack: ${packed.length} packages in ${((Date.now() - started) / 1000).toFixed(1)} s; install them with:\n`);
  process.stderr.write(`  npm install --save-dev ${packed.map((p) => p.file).join(' ')}\n`);
}
