import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KtstrError } from '../../errors.js';
import { classifySourceArgument, debianSourcePackages, pickSourcePackage, prepareBuildSource } from './build-source.js';

test('nothing or a version means Debian\'s source package; a path means a tree', () => {
  const none = () => false;
  assert.deepEqual(classifySourceArgument(undefined, none), { kind: 'debian' });
  assert.deepEqual(classifySourceArgument('7.2', none), { kind: 'debian', version: '7.2' });
  assert.deepEqual(classifySourceArgument('7.2.13', none), { kind: 'debian', version: '7.2.13' });
  assert.deepEqual(classifySourceArgument('./linux', none), { kind: 'directory', path: './linux' });
  assert.deepEqual(classifySourceArgument('linux', (p) => p === 'linux'), { kind: 'directory', path: 'linux' });
  assert.throws(() => classifySourceArgument('latest', none), (e: unknown) => e instanceof KtstrError && e.field === 'source');
});

test('linux-source packages are listed newest first and picked by major.minor', () => {
  const pkgs = debianSourcePackages('linux-source-6.1\nlinux-source-7.2\nlinux-source-7.10\nlinux-source\nlinux-source-7.2-rt\n');
  assert.deepEqual(pkgs.map((p) => p.name), ['linux-source-7.10', 'linux-source-7.2', 'linux-source-6.1']);
  assert.equal(pickSourcePackage(pkgs)?.name, 'linux-source-7.10');
  assert.equal(pickSourcePackage(pkgs, '7.2.13')?.name, 'linux-source-7.2');
  assert.equal(pickSourcePackage(pkgs, '7.3'), undefined);
});

function fakeTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-ksrc-'));
  for (const f of ['Kbuild', 'Makefile', 'Kconfig']) writeFileSync(join(dir, f), `# ${f}\n`);
  return dir;
}

test('a directory that is not a kernel tree, or was configured in place, is refused with the remedy', async () => {
  const notTree = mkdtempSync(join(tmpdir(), 'ktstr-ksrc-'));
  const configured = fakeTree();
  writeFileSync(join(configured, '.config'), 'CONFIG_A=y\n');
  try {
    await assert.rejects(prepareBuildSource(notTree, () => {}), (e: unknown) => e instanceof KtstrError && /not the top of a kernel source tree/.test(e.message));
    await assert.rejects(prepareBuildSource(join(notTree, 'missing'), () => {}), (e: unknown) => e instanceof KtstrError && /not a directory/.test(e.message));
    await assert.rejects(prepareBuildSource(configured, () => {}), (e: unknown) => e instanceof KtstrError && /mrproper/.test(e.remedy));
  } finally {
    rmSync(notTree, { recursive: true, force: true });
    rmSync(configured, { recursive: true, force: true });
  }
});

test('a plain tree builds out of tree and is never taken as unchanged', async () => {
  const tree = fakeTree();
  try {
    const s = await prepareBuildSource(tree, () => {});
    assert.equal(s.kind, 'tree');
    assert.equal(s.immutable, false);
    assert.match(s.id, /^tree:\//);
    assert.ok(!s.buildTree.startsWith(tree), 'the build tree is in the cache, not in the user\'s tree');
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
});

test('a git checkout is named by its commit, and by its changes when it has uncommitted ones', async () => {
  const tree = fakeTree();
  const g = (...args: string[]) => execFileSync('git', ['-C', tree, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { encoding: 'utf8' }).trim();
  try {
    g('init', '-q');
    g('add', '.');
    g('commit', '-q', '-m', 'base');
    const clean = await prepareBuildSource(tree, () => {});
    assert.equal(clean.kind, 'git');
    assert.equal(clean.id, `git:${clean.tree}@${g('rev-parse', 'HEAD')}`);
    assert.equal(clean.immutable, true);
    writeFileSync(join(tree, 'Makefile'), '# patched\n');
    const dirty = await prepareBuildSource(tree, () => {});
    assert.match(dirty.id, /\+dirty-[0-9a-f]{12}$/);
    assert.equal(dirty.immutable, false);
    mkdirSync(join(tree, 'kernel'));
    writeFileSync(join(tree, 'kernel', 'new.c'), 'int x;\n');
    const more = await prepareBuildSource(tree, () => {});
    assert.notEqual(more.id, dirty.id, 'an untracked file changes the identity too');
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
});
