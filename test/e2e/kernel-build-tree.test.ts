// `ktstr kernel build PATH` on a kernel tree on disk, through the CLI as a developer runs it on
// their own checkout: the tree is classified as a plain tree (mutable, never a cache hit), built
// out of tree into its own build directory, and installed as a cache entry whose source names the
// tree, with the files the monitor and the boot need. Then the same tree as a clean git checkout:
// its commit is in the key, so a second build of it is a cache hit.
//
// A first build of a tree takes 20-60 minutes on one CPU, so the test starts from this machine's
// build of Debian's unpacked source (the same tree, configured the same way): the build directory
// of the Debian build is copied as the tree's, with its timestamps, and make is left with only what
// the tree's own configure step touches. It skips where no Debian source was ever built here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { missingKernelConfig } from '../../core/src/kernel/config-check.js';
import { hasSymtab } from '../../core/src/kernel/build/build-kernel.js';
import { cacheRoot } from '../../core/src/paths.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'cli/bin/ktstr.js');
const buildDir = join(cacheRoot(), 'kernel-build');
// A Debian source unpacked by an earlier `ktstr kernel build VERSION`, with its finished build tree.
const debian = existsSync(join(buildDir, 'sources'))
  ? readdirSync(join(buildDir, 'sources')).find((n) => existsSync(join(buildDir, 'trees', n, 'vmlinux')) && existsSync(join(buildDir, 'sources', n, 'Makefile')))
  : undefined;
const skip = debian ? false : 'no Debian kernel source was built here (`ktstr kernel build 7.2 --cpu-cap 1` makes one in 20-60 minutes), and a tree built from nothing takes as long';

interface BuildJson {
  cached: boolean;
  source: { id: string; describe: string };
  key: string;
  kernel: { release: string; dir: string; vmlinux: string; config: string; origin: string };
  compiled: number;
}

/**
 * A private cache whose build directory for `tree` starts as the Debian build of the same path:
 * the tree's build directory is named after the tree's path (build-source.ts). sid's pahole is
 * shared rather than fetched again.
 */
function seededCache(work: string, tree: string): { cache: string; buildTree: string } {
  const cache = join(work, 'cache');
  const name = `${basename(tree)}-${createHash('sha256').update(tree).digest('hex').slice(0, 8)}`;
  mkdirSync(join(cache, 'kernel-build', 'trees'), { recursive: true });
  const cp = spawnSync('cp', ['-a', join(buildDir, 'trees', debian!), join(cache, 'kernel-build', 'trees', name)]);
  assert.equal(cp.status, 0, String(cp.stderr));
  if (existsSync(join(buildDir, 'pahole'))) symlinkSync(join(buildDir, 'pahole'), join(cache, 'kernel-build', 'pahole'));
  return { cache, buildTree: join(cache, 'kernel-build', 'trees', name) };
}

const buildEnv = (cache: string) => ({ ...process.env, KTSTR_CACHE_DIR: cache, KTSTR_REMOTE_CACHE: '', KTSTR_GHA_CACHE: '' });

test('a kernel tree on disk is built out of tree into a cache entry that names the tree', { skip, timeout: 1_200_000 }, (t) => {
  const work = mkdtempSync(join(tmpdir(), 'ktstr-tree-build-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const tree = realpathSync(join(buildDir, 'sources', debian!));
  const { cache, buildTree } = seededCache(work, tree);

  const started = Date.now();
  const r = spawnSync(process.execPath, [bin, 'kernel', 'build', tree, '--cpu-cap', '1', '--json'], {
    cwd: root, encoding: 'utf8', env: buildEnv(cache), timeout: 1_100_000, maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(r.status, 0, r.stderr.split('\n').slice(-20).join('\n'));
  const out = JSON.parse(r.stdout) as BuildJson;
  assert.equal(out.source.id, `tree:${tree}`);
  assert.match(out.source.describe, /^kernel tree /);
  assert.equal(out.cached, false, 'a tree on disk can change under its name: it is always given to make');
  assert.ok(r.stderr.includes(`build tree ${buildTree}`), 'built out of tree, in the tree\'s own build directory');
  assert.match(r.stderr, /make: done in .* files compiled/);
  // The entry: named by the key of this source and config, with what boots and what the monitor reads.
  assert.equal(out.kernel.release, `${out.kernel.release.split('-build-')[0]}-build-${out.key}`);
  assert.equal(out.kernel.dir, join(cache, 'kernels', out.kernel.release));
  const meta = JSON.parse(readFileSync(join(out.kernel.dir, 'meta.json'), 'utf8')) as { origin: string; build: { source: string } };
  assert.equal(meta.origin, `build:tree:${tree}`);
  assert.equal(meta.build.source, `tree:${tree}`);
  for (const f of ['vmlinuz', 'vmlinux', 'System.map', 'config', 'build.log']) assert.ok(existsSync(join(out.kernel.dir, f)), f);
  assert.deepEqual(missingKernelConfig(readFileSync(out.kernel.config, 'utf8')), []);
  assert.ok(hasSymtab(readFileSync(out.kernel.vmlinux), out.kernel.vmlinux), 'vmlinux keeps .symtab for the monitor');
  // The user's tree is never written to: out-of-tree builds leave no .config in it.
  assert.ok(!existsSync(join(tree, '.config')), 'no .config in the source tree');
  process.stderr.write(`kernel-build-tree: ${out.kernel.release} from ${tree}: ${out.compiled} files compiled, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
});

// The same tree as a git checkout, without touching it: in a mount namespace of the build's own,
// an overlay over the tree takes a `git init` and one commit of every file (Debian's packaging
// .gitignore ignores the top level, hence add -f), so the checkout has the tree's path and make's
// objects stay current. Needs unshare and overlayfs (root).
const noOverlay = process.getuid?.() !== 0 ? 'needs root for a private mount namespace with an overlay'
  : spawnSync('unshare', ['-m', 'true']).status !== 0 ? 'unshare -m does not work here' : false;

test('a clean git checkout is keyed by its commit: the first build makes it, the second is a cache hit', { skip: skip || noOverlay, timeout: 1_500_000 }, (t) => {
  const work = mkdtempSync(join(tmpdir(), 'ktstr-git-build-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const tree = realpathSync(join(buildDir, 'sources', debian!));
  const { cache } = seededCache(work, tree);
  for (const d of ['upper', 'work']) mkdirSync(join(work, 'overlay', d), { recursive: true });
  const build = `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} kernel build ${JSON.stringify(tree)} --cpu-cap 1 --json`;
  const script = [
    'set -e',
    `mount -t overlay ktstr-git-test -o lowerdir=${tree},upperdir=${work}/overlay/upper,workdir=${work}/overlay/work ${tree}`,
    `cd ${tree}`,
    'git init -q',
    'git -c core.compression=1 add -f -A',
    'git -c user.name=ktstr -c user.email=ktstr@localhost commit -qm tree',
    'echo "commit $(git rev-parse HEAD)" >&2',
    `cd ${root}`,
    `${build} > ${work}/first.json`,
    `${build} > ${work}/second.json`,
  ].join('\n');
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], {
    cwd: root, encoding: 'utf8', env: buildEnv(cache), timeout: 1_400_000, maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(r.status, 0, r.stderr.split('\n').slice(-20).join('\n'));
  assert.ok(!existsSync(join(tree, '.git')), 'the real tree was never touched');
  const commit = /^commit ([0-9a-f]{40})$/m.exec(r.stderr)![1]!;
  const first = JSON.parse(readFileSync(join(work, 'first.json'), 'utf8')) as BuildJson;
  const second = JSON.parse(readFileSync(join(work, 'second.json'), 'utf8')) as BuildJson;
  assert.equal(first.source.id, `git:${tree}@${commit}`);
  assert.match(first.source.describe, new RegExp(`^git checkout .* at ${commit.slice(0, 12)}$`));
  assert.equal(first.cached, false);
  assert.equal(second.cached, true, 'a clean commit is immutable: the same key is a cache hit');
  assert.equal(second.kernel.release, first.kernel.release);
  assert.match(r.stderr, /cached: \S+ \(same source and config hash [0-9a-f]+\); --force rebuilds/);
  const meta = JSON.parse(readFileSync(join(first.kernel.dir, 'meta.json'), 'utf8')) as { build: { source: string } };
  assert.equal(meta.build.source, `git:${tree}@${commit}`);
});
