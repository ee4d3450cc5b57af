/**
 * What `ktstr kernel build` builds from: Debian's linux-source-<major.minor> package of a
 * version (the default: the newest apt offers), a kernel tree on disk, or a git checkout.
 *
 * Each source has an identity that goes into the cache key. A Debian package version and a
 * clean git commit are immutable, so a build of them can be a cache hit; a plain tree or a git
 * checkout with uncommitted changes can change under the same name, so those are always given
 * to make (which rebuilds only what changed) and their cache entry is replaced.
 *
 * Builds go out of tree (make O=...) into <cache>/kernel-build/trees/<name>/, one per source,
 * so the user's tree is never written to and a Debian source is unpacked once per version.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cacheRoot, locksDir } from '../../paths.js';
import { KtstrError } from '../../errors.js';
import { withLock } from '../../locks/index.js';
import { compareVersions, ensureSidSource } from '../debian-archive.js';

export const kernelBuildDir = (): string => join(cacheRoot(), 'kernel-build');

export interface BuildSource {
  kind: 'debian' | 'git' | 'tree';
  /** The kernel source tree make runs in (`make -C tree O=buildTree`). */
  tree: string;
  /** The out-of-tree build directory, kept between builds of this source so make is incremental. */
  buildTree: string;
  /** What the cache key is made of, e.g. `debian:linux-source-7.2=7.2.13-1` or `git:/src/linux@<sha>`. */
  id: string;
  /** Whether the same id always means the same source (a Debian version, a clean commit). */
  immutable: boolean;
  describe: string;
}

export type SourceRequest = { kind: 'debian'; version?: string } | { kind: 'directory'; path: string };

/**
 * Reads the command-line argument: nothing or a version (`7.2`, `7.2.13`) means Debian's
 * source package; anything with a slash, or a directory that exists, is a tree on disk.
 */
export function classifySourceArgument(arg: string | undefined, exists: (p: string) => boolean = existsSync): SourceRequest {
  if (arg === undefined || arg === '') return { kind: 'debian' };
  if (arg.includes('/') || exists(arg)) return { kind: 'directory', path: arg };
  if (/^[0-9]+\.[0-9]+(\.[0-9]+)?$/.test(arg)) return { kind: 'debian', version: arg };
  throw new KtstrError('source', arg, 'is neither a kernel version nor a directory',
    'Give a version such as 7.2 (Debian\'s linux-source package), a kernel tree (./linux) or a git checkout.');
}

/** The linux-source-X.Y package names apt knows, newest first (Debian names them by major.minor). */
export function debianSourcePackages(pkgnames: string): { name: string; majorMinor: string }[] {
  return pkgnames.split('\n').map((l) => l.trim())
    .map((n) => /^linux-source-([0-9]+\.[0-9]+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[0], majorMinor: m[1]! }))
    .sort((a, b) => compareVersions(b.majorMinor, a.majorMinor));
}

/** The package a version asks for: `7.2.13` -> linux-source-7.2, which must then be at 7.2.13. */
export function pickSourcePackage(available: readonly { name: string; majorMinor: string }[], version?: string): { name: string; majorMinor: string } | undefined {
  if (!version) return available[0];
  const mm = version.split('.').slice(0, 2).join('.');
  return available.find((p) => p.majorMinor === mm);
}

/** A Debian package version (7.2.13-1) as a directory-safe name. */
const safeName = (s: string): string => s.replace(/[^A-Za-z0-9._+-]/g, '_');

function aptCandidate(pkg: string): string | undefined {
  const r = spawnSync('apt-cache', ['show', '--no-all-versions', pkg], { encoding: 'utf8' });
  return /^Version: (\S+)/m.exec(r.stdout ?? '')?.[1];
}

async function debianSource(version: string | undefined, log: (line: string) => void): Promise<BuildSource> {
  ensureSidSource(log);
  const list = () => debianSourcePackages(execFileSync('apt-cache', ['pkgnames', 'linux-source-'], { encoding: 'utf8' }));
  let pkg = pickSourcePackage(list(), version);
  if (!pkg) {
    throw new KtstrError('source', version ?? '(newest)', 'has no linux-source package in the apt sources',
      `Pick one of: ${list().map((p) => p.majorMinor).join(', ') || '(none; run apt-get update)'}; or give a kernel tree.`);
  }
  const debVersion = aptCandidate(pkg.name);
  if (!debVersion) throw new KtstrError('source', pkg.name, 'has no installable version in apt', 'Run apt-get update and try again.');
  const upstream = debVersion.replace(/-[^-]*$/, '');
  if (version && version.split('.').length === 3 && upstream !== version) {
    throw new KtstrError('source', version, `is not what apt offers (${pkg.name} is at ${debVersion})`, `Build ${upstream}, or give a tree of ${version}.`);
  }
  const name = `${pkg.name}_${safeName(debVersion)}`;
  const tree = join(kernelBuildDir(), 'sources', name);
  if (!existsSync(join(tree, 'Makefile'))) {
    await withLock(join(locksDir(), `kernel-source-${name}.lock`), { mode: 'exclusive', wait: true, timeoutMs: 30 * 60_000, purpose: `unpack ${name}` }, async () => {
      if (existsSync(join(tree, 'Makefile'))) return;
      const parent = join(kernelBuildDir(), 'sources');
      mkdirSync(parent, { recursive: true });
      const tmp = mkdtempSync(join(parent, '.unpack-'));
      try {
        log(`source: downloading ${pkg!.name} ${debVersion}`);
        const dl = spawnSync('apt-get', ['download', '-q', `${pkg!.name}=${debVersion}`], { cwd: tmp, encoding: 'utf8' });
        if (dl.status !== 0) throw new Error(`apt-get download ${pkg!.name}=${debVersion} failed: ${dl.stderr.trim()}`);
        const deb = readdirSync(tmp).find((n) => n.endsWith('.deb'))!;
        log(`source: unpacking ${deb} (about 1.5 GB unpacked)`);
        // The .deb holds usr/src/<package>.tar.xz; stream it out rather than writing it to disk.
        const pipeline = `dpkg-deb --fsys-tarfile "$0" | tar -xO "./usr/src/$1.tar.xz" | xz -dc | tar -x -C "$2"`;
        const r = spawnSync('sh', ['-c', pipeline, join(tmp, deb), pkg!.name, tmp], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`unpacking ${deb} failed: ${r.stderr.trim()}`);
        rmSync(tree, { recursive: true, force: true });
        renameSync(join(tmp, pkg!.name), tree);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  } else {
    log(`source: ${pkg.name} ${debVersion} already unpacked in ${tree}`);
  }
  return {
    kind: 'debian', tree, buildTree: join(kernelBuildDir(), 'trees', name),
    id: `debian:${pkg.name}=${debVersion}`, immutable: true, describe: `Debian ${pkg.name} ${debVersion}`,
  };
}

function git(tree: string, args: string[]): string {
  return execFileSync('git', ['-C', tree, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 }).trim();
}

function directorySource(path: string): BuildSource {
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new KtstrError('source', path, 'is not a directory', 'Give the top of a kernel source tree (the directory with Kbuild and Makefile).');
  }
  const tree = realpathSync(path);
  if (!existsSync(join(tree, 'Kbuild')) || !existsSync(join(tree, 'Makefile')) || !existsSync(join(tree, 'Kconfig'))) {
    throw new KtstrError('source', path, 'is not the top of a kernel source tree (no Kbuild, Makefile and Kconfig there)', 'Point at the directory that holds the kernel\'s top-level Makefile.');
  }
  // make O=... refuses a tree that was configured in place; say so before make does.
  if (existsSync(join(tree, '.config')) || existsSync(join(tree, 'include', 'config'))) {
    throw new KtstrError('source', path, 'has been configured or built in place (it has a .config), and out-of-tree builds need a clean tree',
      `Run \`make -C ${path} mrproper\` (it deletes that .config; save it first and pass it as --config-fragment).`);
  }
  const name = `${safeName(basename(tree))}-${createHash('sha256').update(tree).digest('hex').slice(0, 8)}`;
  const buildTree = join(kernelBuildDir(), 'trees', name);
  if (existsSync(join(tree, '.git'))) {
    const commit = git(tree, ['rev-parse', 'HEAD']);
    const diff = git(tree, ['diff', 'HEAD']);
    const untracked = git(tree, ['ls-files', '--others', '--exclude-standard']);
    const dirty = diff !== '' || untracked !== '';
    const dirtyHash = dirty ? `+dirty-${createHash('sha256').update(diff).update(untracked).digest('hex').slice(0, 12)}` : '';
    return {
      kind: 'git', tree, buildTree, id: `git:${tree}@${commit}${dirtyHash}`, immutable: !dirty,
      describe: `git checkout ${tree} at ${commit.slice(0, 12)}${dirty ? ' with uncommitted changes' : ''}`,
    };
  }
  return { kind: 'tree', tree, buildTree, id: `tree:${tree}`, immutable: false, describe: `kernel tree ${tree}` };
}

/** Resolves the argument of `ktstr kernel build` to a source tree on disk, unpacking a Debian package if needed. */
export async function prepareBuildSource(arg: string | undefined, log: (line: string) => void): Promise<BuildSource> {
  const req = classifySourceArgument(arg);
  return req.kind === 'debian' ? debianSource(req.version, log) : directorySource(req.path);
}
