/**
 * Debian's arm64 cloud kernel with sched_ext, fetched into the same kernel cache as the amd64 one
 * (kernel-cache.ts) and laid out the same way, so everything downstream reads it unchanged:
 *  - the same pinned sid source, plus arm64 as a dpkg foreign architecture (foreign-arch.ts),
 *    which apt needs before it lists `linux-binary-unsigned-*-cloud-arm64:arm64` at all;
 *  - `apt-get download` + `dpkg-deb -x` of the image and base packages, never an install;
 *  - `vmlinuz` is the uncompressed arm64 Image QEMU boots with -kernel; `vmlinux` is the Image's
 *    BTF wrapped in a minimal ELF (arm64-image.ts); System.map is Debian's placeholder, as on
 *    amd64; meta.json says `"arch": "aarch64"` so x86_64 runs never pick it.
 * The config is checked against the aarch64 requirements (config-check.ts) before the entry exists.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelsDir, locksDir } from '../paths.js';
import { withLock } from '../locks/index.js';
import { KtstrError } from '../errors.js';
import { describeMissing, missingKernelConfig } from './config-check.js';
import { aptUpdate, availableKernels, type DebianKernel, downloadAndUnpack, ensureSidSource, matchKernel } from './debian-archive.js';
import { ensureDebianArch } from './foreign-arch.js';
import { btfOnlyElf, findImageBtf, isArm64Image } from './arm64-image.js';
import { type CachedKernel, findCachedKernel } from './kernel-cache.js';

type Log = (line: string) => void;

/** The suite each arm64 image package comes from (`apt-cache madison`), first one listed. */
function suitesOfArm64(kernels: readonly DebianKernel[]): Map<string, string> {
  const out = new Map<string, string>();
  if (kernels.length === 0) return out;
  const text = execFileSync('apt-cache', ['madison', ...kernels.map((k) => `${k.imagePackage}:arm64`)], { encoding: 'utf8' });
  for (const line of text.split('\n')) {
    const [pkg, , where] = line.split('|').map((c) => c.trim());
    const suite = /\s(\S+?)\/\S+\s+arm64\b/.exec(` ${where ?? ''}`)?.[1];
    if (pkg && suite && !out.has(pkg.replace(/:arm64$/, ''))) out.set(pkg.replace(/:arm64$/, ''), suite);
  }
  return out;
}

/**
 * As for amd64 (kernel-suites.ts): without a version, the newest kernel of sid; a named version
 * from whichever suite apt has it in (another suite's kernel never becomes the default).
 */
function resolveArm64Kernel(wanted: string | undefined, log: Log): DebianKernel & { suite: string } {
  const withSuites = (): (DebianKernel & { suite: string })[] => {
    const all = availableKernels('arm64');
    const suites = suitesOfArm64(all);
    return all.map((k) => ({ ...k, suite: suites.get(k.imagePackage) ?? 'unknown' })).filter((k) => wanted !== undefined || k.suite === 'sid');
  };
  const sidAdded = ensureSidSource(log);
  const refreshed = ensureDebianArch('arm64', log) || sidAdded;
  let kernels = refreshed ? [] : withSuites();
  if (matchKernel(kernels, wanted) === undefined) {
    aptUpdate(log);
    kernels = withSuites();
  }
  const k = matchKernel(kernels, wanted) as (DebianKernel & { suite: string }) | undefined;
  if (!k) {
    throw new KtstrError('kernel', wanted ?? '(newest)', 'is not offered by the Debian archive as a sched_ext arm64 cloud kernel',
      `Pick one of: ${kernels.map((x) => x.version).join(', ') || '(none found; check apt sources)'}.`);
  }
  return k;
}

/** Fetches Debian's arm64 kernel (`wanted` as for amd64: a version prefix or a release) unless cached. */
export async function fetchArm64Kernel(wanted: string | undefined, log: Log = () => {}): Promise<CachedKernel> {
  const cached = wanted ? findCachedKernel(wanted, 'aarch64') : undefined;
  if (cached) return cached;
  const target = resolveArm64Kernel(wanted, log);
  const root = kernelsDir();
  mkdirSync(root, { recursive: true });
  return withLock(join(locksDir(), `kernel-${target.release}.lock`), { mode: 'exclusive', wait: true, timeoutMs: 15 * 60_000, purpose: `kernel fetch ${target.release}` }, async () => {
    const existing = findCachedKernel(target.release, 'aarch64');
    if (existing) return existing; // another process finished it while we waited
    const tmp = mkdtempSync(join(root, '.fetch-'));
    try {
      log(`downloading ${target.imagePackage}:arm64 and ${target.basePackage}:arm64`);
      const unpacked = join(tmp, 'x');
      downloadAndUnpack([`${target.imagePackage}:arm64`, `${target.basePackage}:arm64`], tmp, unpacked);
      const moduleDir = join(unpacked, 'usr/lib/modules', target.release);
      const entry = join(tmp, 'entry');
      mkdirSync(entry);
      const image = readFileSync(join(moduleDir, 'vmlinuz.unsigned'));
      if (!isArm64Image(image)) throw new Error(`${target.imagePackage}'s vmlinuz.unsigned is not an arm64 Image (no "ARM\\x64" magic at 0x38)`);
      writeFileSync(join(entry, 'vmlinuz'), image);
      copyFileSync(join(moduleDir, 'config'), join(entry, 'config'));
      copyFileSync(join(moduleDir, 'System.map'), join(entry, 'System.map'));
      const missing = missingKernelConfig(readFileSync(join(entry, 'config'), 'utf8'), 'aarch64');
      if (missing.length > 0) {
        throw new KtstrError('kernel', target.release, `lacks required options: ${describeMissing(missing)}`, 'Choose a kernel built with them.');
      }
      log('extracting BTF from the Image');
      const btf = findImageBtf(image);
      if (!btf) throw new Error(`the Image of ${target.release} holds no BTF blob`);
      writeFileSync(join(entry, 'vmlinux'), btfOnlyElf(btf));
      writeFileSync(join(entry, 'meta.json'), `${JSON.stringify({
        release: target.release,
        version: target.version,
        origin: `debian:${target.imagePackage}:arm64`,
        fetchedAt: new Date().toISOString(),
        suite: target.suite,
        arch: 'aarch64',
      }, null, 2)}\n`);
      const final = join(root, target.release);
      rmSync(final, { recursive: true, force: true }); // an incomplete entry without meta.json
      renameSync(entry, final);
      log(`cached ${target.release} in ${final}`);
      const done = findCachedKernel(target.release, 'aarch64');
      if (!done) throw new Error(`the cache entry ${final} is incomplete after the fetch`);
      return done;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}
