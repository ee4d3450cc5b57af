#!/usr/bin/env node
// Installs what the editor end-to-end test needs into the ktstr cache directory (never the repo):
// code-server (a real VS Code in the browser) and playwright-core (drives Debian's chromium).
// Idempotent: a finished install leaves a stamp naming its versions and is skipped next time.
//
// A plain `npm install code-server` fails here three ways (root refusal in its postinstall,
// kerberos needing libkrb5-dev, @vscode/ripgrep downloading a binary from the internet), so the
// install runs with --ignore-scripts and then replays the needed build steps by hand, with
// Debian's ripgrep standing in for the downloaded one.
//
// Usage: node scripts/editor-e2e-setup.mjs [--print-dir]
// Exit status 0 when ready; 2 with the reason on stderr when this machine cannot do it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const CODE_SERVER_VERSION = '4.100.3';
const PLAYWRIGHT_VERSION = '1.65.1';
/** Debian packages the install needs, and why. bootstrap.mjs installs them. */
const APT_NEEDS = { 'libkrb5-dev': '/usr/include/krb5.h', ripgrep: '/usr/bin/rg', chromium: '/usr/bin/chromium' };

function cacheRoot() {
  // Same rule as core/src/paths.ts; duplicated because this script must run before any build.
  if (process.env.KTSTR_CACHE_DIR) return process.env.KTSTR_CACHE_DIR;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.cache'), 'ktstr');
}

export const editorDir = () => join(cacheRoot(), 'editor');
const stampPath = () => join(editorDir(), 'ready.json');
const stampText = JSON.stringify({ codeServer: CODE_SERVER_VERSION, playwrightCore: PLAYWRIGHT_VERSION });

function fail(reason) {
  process.stderr.write(`editor-e2e-setup: ${reason}\n`);
  process.exit(2);
}

function run(cmd, args, cwd, env = {}) {
  const started = Date.now();
  process.stderr.write(`editor-e2e-setup: ${cwd}$ ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed in ${cwd} (exit ${r.status ?? r.signal})`);
  process.stderr.write(`editor-e2e-setup:   done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

if (process.argv.includes('--print-dir')) {
  process.stdout.write(`${editorDir()}\n`);
  process.exit(0);
}

if (existsSync(stampPath()) && readFileSync(stampPath(), 'utf8') === stampText) {
  process.stderr.write(`editor-e2e-setup: ready in ${editorDir()}\n`);
  process.exit(0);
}

const missing = Object.entries(APT_NEEDS).filter(([, file]) => !existsSync(file)).map(([pkg]) => pkg);
if (missing.length > 0) fail(`missing Debian packages: ${missing.join(' ')} (run npm run bootstrap, or apt-get install ${missing.join(' ')})`);

const dir = editorDir();
mkdirSync(dir, { recursive: true });
if (!existsSync(join(dir, 'package.json'))) writeFileSync(join(dir, 'package.json'), '{ "name": "ktstr-editor-e2e", "private": true }\n');
run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', `code-server@${CODE_SERVER_VERSION}`, `playwright-core@${PLAYWRIGHT_VERSION}`], dir);

const codeServer = join(dir, 'node_modules', 'code-server');
const vscodeDir = join(codeServer, 'lib', 'vscode');
run('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], vscodeDir);
// @vscode/ripgrep's postinstall downloads rg unless bin/ already exists: give it Debian's.
const rgBin = join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
mkdirSync(rgBin, { recursive: true });
copyFileSync('/usr/bin/rg', join(rgBin, 'rg'));
chmodSync(join(rgBin, 'rg'), 0o755);
// node-pty's build runs `npx node-gyp`, which stops to ask without npm_config_yes.
run('npm', ['rebuild'], vscodeDir, { npm_config_yes: 'true' });
// postinstall.sh reads the Node major from npm's user agent and, as root, wants unsafe-perm.
run('sh', ['postinstall.sh'], codeServer, {
  npm_config_user_agent: `npm/10 node/${process.version} ${process.platform} ${process.arch}`, npm_config_unsafe_perm: 'true', npm_config_yes: 'true',
});
// The top-level rebuild builds argon2's binding and replays code-server's postinstall (root again).
run('npm', ['rebuild'], dir, { npm_config_yes: 'true', npm_config_unsafe_perm: 'true' });

writeFileSync(stampPath(), stampText);
process.stderr.write(`editor-e2e-setup: ready in ${dir}\n`);
