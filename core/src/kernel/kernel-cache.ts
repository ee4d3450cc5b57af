/**
 * The local kernel cache: one directory per kernel release under <cache>/kernels/, holding
 * vmlinuz, vmlinux (with .BTF), System.map, config and meta.json. An entry appears only whole:
 * it is assembled in a temporary directory and renamed into place under a lock, so concurrent
 * fetches end with one good copy and an interrupted fetch leaves nothing half-written.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { kernelsDir, locksDir } from '../paths.js';
import { withLock } from '../locks/index.js';
import { KtstrError } from '../errors.js';
import { describeMissing, missingKernelConfig } from './config-check.js';
import { extractVmlinux, hasBtfSection } from './extract-vmlinux.js';
import { aptUpdate, availableKernels, type DebianKernel, downloadPackages, ensureSidSource, matchKernel } from './debian-archive.js';

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
}

type Log = (line: string) => void;

function entryFrom(dir: string): CachedKernel | undefined {
  try {
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Omit<CachedKernel, 'dir' | 'vmlinuz' | 'vmlinux' | 'systemMap' | 'config'>;
    const k: CachedKernel = {
      ...meta,
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

export function findCachedKernel(wanted?: string): CachedKernel | undefined {
  const all = listCachedKernels();
  if (!wanted) return all[0];
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

function resolveDebianKernel(wanted: string | undefined, log: Log): DebianKernel {
  const refreshed = ensureSidSource(log);
  let kernels = refreshed ? [] : availableKernels();
  if (matchKernel(kernels, wanted) === undefined) {
    aptUpdate(log);
    kernels = availableKernels();
  }
  const k = matchKernel(kernels, wanted);
  if (!k) {
    throw new KtstrError('kernel', wanted ?? '(newest)', 'is not offered by the Debian archive as a sched_ext cloud kernel',
      `Pick one of: ${kernels.map((x) => x.version).join(', ') || '(none found; check apt sources)'}.`);
  }
  return k;
}

/** Fetches a Debian kernel into the cache unless it is already there; returns the entry. */
export async function fetchKernel(wanted: string | undefined, log: Log = () => {}): Promise<CachedKernel> {
  const cached = wanted ? findCachedKernel(wanted) : undefined;
  if (cached) return cached;
  const target = resolveDebianKernel(wanted, log);
  const root = kernelsDir();
  mkdirSync(root, { recursive: true });
  return withLock(join(locksDir(), `kernel-${target.release}.lock`), { mode: 'exclusive', wait: true, timeoutMs: 15 * 60_000, purpose: `kernel fetch ${target.release}` }, async () => {
    const existing = entryFrom(join(root, target.release));
    if (existing) return existing; // another process finished it while we waited
    const tmp = mkdtempSync(join(root, '.fetch-'));
    try {
      log(`downloading ${target.imagePackage} and ${target.basePackage}`);
      downloadPackages([target.imagePackage, target.basePackage], tmp);
      const unpacked = join(tmp, 'x');
      for (const deb of readdirSync(tmp).filter((n) => n.endsWith('.deb'))) {
        const r = spawnSync('dpkg-deb', ['-x', join(tmp, deb), unpacked]);
        if (r.status !== 0) throw new Error(`dpkg-deb -x ${deb} failed: ${r.stderr.toString().trim()}`);
      }
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
}
