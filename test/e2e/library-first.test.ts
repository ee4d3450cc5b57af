// Library-first: ktstr used from a scheduler's own repository, not from this one. The workspaces
// are packed (`npm run pack`, standing in for the registry), installed as dev-dependencies into a
// fresh project outside this repository, and driven only through `npx ktstr`: doctor reports the
// machine, setup builds what must be built here (the addon and the fixture scheduler, into the
// cache), and `ktstr test` with no paths finds the project's own test files and runs them in VMs.
// The editor extension's lookup must find the installed language server and CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { cacheRoot } from '@ktstr/core';
import { findCli, findServer } from '../../vscode-extension/src/locate.js';
import { skipReason } from '../vm/cell-env.js';

const root = join(import.meta.dirname, '..', '..');

const PASSING = `import { ktstrTest, cgroup, cpuset, hold, work, SCX_KTSTR } from '@ktstr/core';

// The fixture scheduler, on two CPUs so that KVM hosts with two cores can run it too.
ktstrTest('spinners make progress under scx-ktstr', {
  scheduler: SCX_KTSTR, topology: { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 }, durationMs: 600,
}, async (vm) => {
  const r = await vm.run([cgroup('spin', { cpuset: cpuset.llc(0), workers: 2, work: work.spinWait() })], hold.fraction(1));
  r.expect.noStall();
});
`;

const FAILING = `import assert from 'node:assert/strict';
import { ktstrTest, cgroup, cpuset, hold, work } from '@ktstr/core';

ktstrTest('eevdf runs ninety-nine workers', {
  topology: { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 }, durationMs: 500,
}, async (vm) => {
  const r = await vm.run([cgroup('one', { cpuset: cpuset.llc(0), workers: 1, work: work.spinWait() })], hold.fraction(1));
  assert.equal(r.workers.length, 99, 'deliberately wrong: one worker ran, not 99');
});
`;

let env: NodeJS.ProcessEnv = process.env;

function sh(cmd: string, args: readonly string[], cwd: string, timeout = 600_000): SpawnSyncReturns<string> {
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
  process.stderr.write(`# ${cmd} ${args.join(' ').slice(0, 100)}: exit ${r.status} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return r;
}

// `--no`: never fetch ktstr from the registry, only run the installed one.
const ktstr = (dir: string, ...args: string[]) => sh('npx', ['--no', 'ktstr', ...args], dir);

/** The installed language server's answer to `initialize` over stdio. */
function lspInitialize(server: string, rootDir: string): Promise<{ capabilities?: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [server, '--stdio'], { cwd: rootDir });
    const timer = setTimeout(() => { child.kill(); reject(new Error('no answer to initialize within 30 s')); }, 30_000);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const body = /Content-Length: (\d+)\r\n\r\n/.exec(out);
      if (!body) return;
      const start = body.index + body[0].length;
      if (Buffer.byteLength(out.slice(start)) < Number(body[1])) return;
      clearTimeout(timer);
      child.kill();
      resolve((JSON.parse(out.slice(start)) as { result: { capabilities?: Record<string, unknown> } }).result);
    });
    const msg = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: `file://${rootDir}`, capabilities: {} } });
    child.stdin.write(`Content-Length: ${Buffer.byteLength(msg)}\r\n\r\n${msg}`);
  });
}

function noNpm(): string | false {
  return spawnSync('npm', ['--version']).status === 0 ? false : 'npm is not on PATH';
}

test('a project outside the repository installs ktstr as dev-dependencies and runs its own tests', {
  skip: skipReason || noNpm(), timeout: 1_200_000,
}, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'ktstr-library-first-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const project = join(work, 'my-scheduler');
  // A cache of its own for what an install builds on first use (the addon, the fixture
  // scheduler: <cache>/native/), so that setup really builds them on every run; the kernels,
  // snapshots and locks are the machine's, linked in, so nothing is fetched or cold-booted twice.
  const cache = join(work, 'cache');
  mkdirSync(cache);
  const shared = cacheRoot();
  if (existsSync(shared)) {
    for (const name of readdirSync(shared)) if (name !== 'native') symlinkSync(join(shared, name), join(cache, name));
  }
  env = { ...process.env, KTSTR_CACHE_DIR: cache };
  mkdirSync(join(project, 'tests'), { recursive: true });
  assert.ok(relative(realpathSync(root), realpathSync(project)).startsWith('..'), 'the project must be outside this repository');

  // Pack: one tarball per installable workspace, internal versions pinned among them.
  const packed = sh(process.execPath, [join(root, 'scripts', 'pack.mjs'), '--out', join(work, 'packages'), '--json'], root);
  assert.equal(packed.status, 0, packed.stderr);
  const { packages } = JSON.parse(packed.stdout) as { packages: { name: string; file: string }[] };
  assert.deepEqual(packages.map((p) => p.name).sort(), ['@ktstr/core', '@ktstr/language-server', '@ktstr/native', '@ktstr/presets', 'ktstr']);

  // Install: the tarballs satisfy each other; third-party packages come from npm's cache.
  assert.equal(sh('npm', ['init', '-y'], project).status, 0);
  const install = sh('npm', ['install', '--save-dev', '--prefer-offline', '--no-audit', '--no-fund', ...packages.map((p) => p.file)], project);
  assert.equal(install.status, 0, install.stderr);
  const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  assert.ok(manifest.devDependencies['@ktstr/core'] && manifest.devDependencies.ktstr, JSON.stringify(manifest));

  // Doctor: a report, never a change; whatever is missing is named with what setup would do.
  const before = ktstr(project, 'doctor', '--json');
  const report = JSON.parse(before.stdout) as { ready: boolean; missing: string[]; items: { id: string; ok: boolean; action?: string; remedy?: string }[] };
  assert.deepEqual(report.items.map((i) => i.id), ['apt', 'apt-source', 'arm64-packages', 'kernel', 'second-kernel', 'toolchain', 'addon', 'agent', 'agent-aarch64', 'fixture', 'fixture-coverage', 'probe-loader', 'accel']);
  assert.equal(before.status, report.ready ? 0 : 1);
  for (const i of report.items.filter((x) => !x.ok)) assert.ok(i.action || i.remedy, `${i.id} is missing but doctor does not say what to do`);
  const agent = report.items.find((i) => i.id === 'agent')!;
  assert.ok(agent.ok, 'the guest agent ships prebuilt in @ktstr/native');
  // Built on this machine, so missing from a fresh install, with the cache as the place to build.
  for (const id of ['addon', 'fixture']) {
    const item = report.items.find((i) => i.id === id)!;
    assert.equal(item.ok, false, `${id}: ${JSON.stringify(item)}`);
    assert.ok(report.missing.includes(id));
    assert.ok(JSON.stringify(item).includes(join(cache, 'native')), `${id} builds into the cache: ${JSON.stringify(item)}`);
  }

  // Setup: installs what doctor named (idempotent), after which doctor reports the machine ready.
  const setup = ktstr(project, 'setup');
  assert.equal(setup.status, 0, setup.stderr.slice(-3000));
  assert.match(setup.stderr, /native addon: installed in/);
  assert.match(setup.stderr, /fixture scheduler: installed in/);
  const after = ktstr(project, 'doctor', '--json');
  assert.equal(after.status, 0, after.stdout);
  assert.equal((JSON.parse(after.stdout) as { ready: boolean }).ready, true);
  const again = ktstr(project, 'setup');
  assert.equal(again.status, 0);
  assert.match(again.stderr, /native addon: up to date/);
  assert.match(again.stderr, /fixture scheduler: up to date/);

  // The project's own tests, found with no paths given, run in VMs.
  writeFileSync(join(project, 'tests', 'progress.test.ts'), PASSING);
  writeFileSync(join(project, 'workers.test.ts'), FAILING);
  const run = ktstr(project, 'test', '--json');
  assert.notEqual(run.status, 0, 'a failing test fails the run');
  const results = JSON.parse(run.stdout) as { cells: { name: string; status: string; reason?: string }[] };
  const cell = (prefix: string) => results.cells.find((c) => c.name.startsWith(prefix));
  assert.equal(cell('spinners make progress under scx-ktstr')?.status, 'passed', run.stderr.slice(-3000));
  const failed = cell('eevdf runs ninety-nine workers');
  assert.equal(failed?.status, 'failed', run.stderr.slice(-3000));
  assert.match(failed.reason ?? '', /deliberately wrong: one worker ran, not 99/);
  assert.match(run.stderr, /deliberately wrong: one worker ran, not 99/);
  assert.match(run.stderr, /1 passed, 1 failed/);

  // A test file where @ktstr/core cannot be imported is told to install it, not to fix a declaration.
  mkdirSync(join(work, 'stray'));
  writeFileSync(join(work, 'stray', 'stray.test.ts'), FAILING);
  const stray = ktstr(project, 'test', join(work, 'stray', 'stray.test.ts'), '--list');
  assert.equal(stray.status, 2, stray.stderr);
  assert.match(stray.stderr, /@ktstr\/core is not installed where .*stray\.test\.ts can import it: run `npm install --save-dev @ktstr\/core ktstr`/);
  assert.doesNotMatch(stray.stderr, /declaration/);

  // The editor extension finds the installed language server and CLI in the project.
  assert.equal(findServer(undefined, [project]), join(project, 'node_modules', '@ktstr', 'language-server', 'dist', 'server.js'));
  assert.equal(findCli(undefined, [project]), join(project, 'node_modules', '.bin', 'ktstr'));
  assert.equal(findCli(undefined, [join(project, 'tests')]), join(project, 'node_modules', '.bin', 'ktstr'), 'from a folder inside the project too');
  const init = await lspInitialize(findServer(undefined, [project])!, project);
  assert.ok(init.capabilities?.codeLensProvider, `the installed language server answers initialize: ${JSON.stringify(init)}`);
});
