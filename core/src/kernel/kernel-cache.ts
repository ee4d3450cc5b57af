/**
 * The local kernel cache: one directory per kernel release under <cache>/kernels/, holding
 * vmlinuz, vmlinux (with .BTF), System.map, config and meta.json. An entry appears only whole:
 * it is assembled in a temporary directory and renamed into place under a lock, so concurrent
 * fetches end with one good copy and an interrupted fetch leaves nothing half-written.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelsDir, locksDir } from '../paths.js';
import { withLock } from '../locks/index.js';
import { fetchStagingDir } from './fetch-staging.js';
import { KtstrError } from '../errors.js';
import { describeMissing, missingKernelConfig } from './config-check.js';
import { extractVmlinux, hasBtfSection } from './extract-vmlinux.js';
import { aptUpdate, availableKernels, type DebianKernel, downloadAndUnpack, ensureSidSource } from './debian-archive.js';
import { PRIMARY_SUITE, SECONDARY_SUITES, ensureSecondarySources, isKernelSuite, pickKernel, suitesOf } from './kernel-suites.js';
import { pullAndInstallLocked, pushEntry, remoteStoresFromEnv } from './remote-cache/remote-cache.js';
import { archOfRelease, type GuestArch } from '../vm/guest-arch.js';

export interface CachedKernel {
  release: string;
  version: string;
  dir: string;
  vmlinuz: string;
  vmlinux: string;
  systemMap: string;
  config: string;
  origin: string;
  fetchedAt: string;
  /** The Debian suite it came from; absent for older entries (sid) and kernels from elsewhere. */
  suite?: string;
  /** The architecture it runs on: meta.json's, else read from the release (…-arm64). */
  arch: GuestArch;
}

type Log = (line: string) => void;

function entryFrom(dir: string): CachedKernel | undefined {
  try {
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Omit<CachedKernel, 'dir' | 'vmlinuz' | 'vmlinux' | 'systemMap' | 'config' | 'arch'> & { arch?: GuestArch };
    const k: CachedKernel = {
      ...meta,
      arch: meta.arch ?? archOfRelease(meta.release),
      dir,
      vmlinuz: join(dir, 'vmlinuz'),
      vmlinux: join(dir, 'vmlinux'),
      systemMap: join(dir, 'System.map'),
      config: join(dir, 'config'),
    };
    return [k.vmlinuz, k.vmlinux, k.systemMap, k.config].every((f) => existsSync(f)) ? k : undefined;
  } catch {
    return undefined;
  }
}

export function listCachedKernels(): CachedKernel[] {
  const root = kernelsDir();
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((n) => !n.startsWith('.'))
    .map((n) => entryFrom(join(root, n)))
    .filter((k): k is CachedKernel => k !== undefined)
    .sort((a, b) => b.version.localeCompare(a.version, undefined, { numeric: true }));
}

/** A kernel built by `ktstr kernel build` (kernel/build/) is used when named; the default only when nothing else is cached. */
const isBuilt = (k: CachedKernel): boolean => k.origin.startsWith('build:');
/** A kernel from a secondary suite (kernel-suites.ts) is used when named, never as the default. */
const isSecondary = (k: CachedKernel): boolean => k.suite !== undefined && (SECONDARY_SUITES as readonly string[]).includes(k.suite);

/** The newest cached kernel of `arch` (default x86_64), or the one `wanted` names. */
export function findCachedKernel(wanted?: string, arch: GuestArch = 'x86_64'): CachedKernel | undefined {
  const all = listCachedKernels().filter((k) => k.arch === arch);
  if (!wanted) return all.find((k) => !isSecondary(k) && !isBuilt(k)) ?? all[0];
  return all.find((k) => k.release === wanted || k.version === wanted || k.version.startsWith(`${wanted}.`));
}

export function cleanKernels(keep: readonly string[] = []): string[] {
  const removed: string[] = [];
  for (const k of listCachedKernels()) {
    if (keep.includes(k.release)) continue;
    rmSync(k.dir, { recursive: true, force: true });
    removed.push(k.release);
  }
  // Leftovers of interrupted fetches.
  const root = kernelsDir();
  if (existsSync(root)) for (const n of readdirSync(root)) if (n.startsWith('.fetch-')) rmSync(join(root, n), { recursive: true, force: true });
  return removed;
}

/** Debian kernels apt offers now, each with its suite (apt-cache madison). */
function kernelsBySuite(): (DebianKernel & { suite: string })[] {
  const kernels = availableKernels();
  const suites = suitesOf(kernels.map((k) => k.imagePackage));
  return kernels.map((k) => ({ ...k, suite: suites.get(k.imagePackage)?.[0] ?? 'unknown' }));
}

/**
 * The Debian kernel a fetch means: with a suite, the newest (or `wanted`) of that suite; without
 * one, `wanted` from any suite we know, or the newest of the primary suite. A secondary suite's
 * apt entry is added only when it is needed: a kernel named by suite, or a version sid lacks.
 */
function resolveDebianKernel(wanted: string | undefined, log: Log, suite?: string): DebianKernel & { suite: string } {
  if (suite !== undefined && !isKernelSuite(suite)) {
    throw new KtstrError('--suite', suite, 'is not a suite ktstr takes kernels from', `Give one of: ${[PRIMARY_SUITE, ...SECONDARY_SUITES].join(', ')}.`);
  }
  let refreshed = ensureSidSource(log);
  if (suite !== undefined && suite !== PRIMARY_SUITE) refreshed = ensureSecondarySources(log) || refreshed;
  let kernels = refreshed ? [] : kernelsBySuite();
  if (pickKernel(kernels, wanted, suite) === undefined) {
    // Not known yet: a version newer than sid's lives in a secondary suite, so add those too.
    if (wanted !== undefined && suite === undefined) ensureSecondarySources(log);
    aptUpdate(log);
    kernels = kernelsBySuite();
  }
  const k = pickKernel(kernels, wanted, suite);
  if (!k) {
    throw new KtstrError('kernel', wanted ?? `(newest${suite ? ` in ${suite}` : ''})`, 'is not offered by the Debian archive as a sched_ext cloud kernel',
      `Pick one of: ${kernels.map((x) => `${x.version} (${x.suite})`).join(', ') || '(none found; check apt sources)'}.`);
  }
  return k as DebianKernel & { suite: string };
}

/** A full release string (7.2.13+deb14-cloud-amd64) names a cache entry without asking apt. */
const isFullRelease = (s: string): boolean => /^[0-9]+\.[0-9]+[^ /]*-[a-z0-9]+-[a-z0-9]+$/.test(s) && s.includes('+');

/**
 * Fetches a Debian kernel into the cache unless it is already there; returns the entry. After a
 * local miss the remote cache (remote-cache/) is asked first; a kernel downloaded from Debian is
 * pushed to it afterwards. `suite` picks a Debian suite (kernel-suites.ts).
 */
export async function fetchKernel(wanted: string | undefined, log: Log = () => {}, opts: { suite?: string } = {}): Promise<CachedKernel> {
  const cached = wanted ? findCachedKernel(wanted) : undefined;
  if (cached && (opts.suite === undefined || cached.suite === opts.suite || (cached.suite === undefined && opts.suite === PRIMARY_SUITE))) return cached;
  const root = kernelsDir();
  mkdirSync(root, { recursive: true });
  const remotes = remoteStoresFromEnv(process.env, log);
  // A full release names the entry already: the remote can answer before apt is consulted at all.
  const askedEarly = remotes.length > 0 && wanted !== undefined && isFullRelease(wanted);
  if (askedEarly) {
    const pulled = await withLock(join(locksDir(), `kernel-${wanted}.lock`), { mode: 'exclusive', wait: true, timeoutMs: 15 * 60_000, purpose: `kernel remote pull ${wanted}` },
      async () => entryFrom(join(root, wanted)) ?? entryOf(await pullAndInstallLocked(wanted, log, 'asking the Debian archive', remotes)));
    if (pulled) return pulled;
  }
  const target = resolveDebianKernel(wanted, log, opts.suite);
  let downloaded = false;
  const entry = await withLock(join(locksDir(), `kernel-${target.release}.lock`), { mode: 'exclusive', wait: true, timeoutMs: 15 * 60_000, purpose: `kernel fetch ${target.release}` }, async () => {
    const existing = entryFrom(join(root, target.release));
    if (existing) return existing; // another process finished it while we waited
    // Asked once per fetch: a release that missed above is not looked up again.
    const pulled = askedEarly && target.release === wanted ? undefined
      : entryOf(await pullAndInstallLocked(target.release, log, 'downloading it from the Debian archive', remotes));
    if (pulled) return pulled;
    downloaded = true;
    const tmp = fetchStagingDir(root);
    try {
      log(`downloading ${target.imagePackage} and ${target.basePackage}`);
      const unpacked = join(tmp, 'x');
      downloadAndUnpack([target.imagePackage, target.basePackage], tmp, unpacked);
      const moduleDir = join(unpacked, 'usr/lib/modules', target.release);
      const entry = join(tmp, 'entry');
      mkdirSync(entry);
      copyFileSync(join(moduleDir, 'vmlinuz.unsigned'), join(entry, 'vmlinuz'));
      copyFileSync(join(moduleDir, 'config'), join(entry, 'config'));
      copyFileSync(join(moduleDir, 'System.map'), join(entry, 'System.map'));
      const missing = missingKernelConfig(readFileSync(join(entry, 'config'), 'utf8'));
      if (missing.length > 0) {
        throw new KtstrError('kernel', target.release, `lacks required options: ${describeMissing(missing)}`, 'Choose a kernel built with them.');
      }
      log('extracting vmlinux');
      const vmlinux = extractVmlinux(readFileSync(join(entry, 'vmlinuz')));
      if (!hasBtfSection(vmlinux)) throw new Error(`vmlinux of ${target.release} has no .BTF section`);
      writeFileSync(join(entry, 'vmlinux'), vmlinux);
      writeFileSync(join(entry, 'meta.json'), `${JSON.stringify({
        release: target.release,
        version: target.version,
        origin: `debian:${target.imagePackage}`,
        fetchedAt: new Date().toISOString(),
        suite: target.suite,
      }, null, 2)}\n`);
      const final = join(root, target.release);
      rmSync(final, { recursive: true, force: true }); // an incomplete entry without meta.json
      renameSync(entry, final);
      log(`cached ${target.release} in ${final}`);
      return entryFrom(final)!;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
  // Outside the lock: an upload must not hold up another process waiting for this kernel.
  if (downloaded) await pushEntry(entry.dir, log, remotes);
  return entry;
}

function entryOf(dir: string | undefined): CachedKernel | undefined {
  return dir === undefined ? undefined : entryFrom(dir);
}
