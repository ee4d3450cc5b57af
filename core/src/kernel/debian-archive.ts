/**
 * Debian's sched_ext kernels. Debian's sid suite carries cloud kernels built with
 * CONFIG_SCHED_CLASS_EXT; we reach it with a sources entry that reuses the URI of the machine's
 * own Debian entry (no host name is written anywhere) and pin it low so that nothing else on
 * the machine upgrades from it. Packages are downloaded and unpacked, never installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES_DIR = '/etc/apt/sources.list.d';
/** The sources entry ensureSidSource writes; its presence means kernels can be fetched without root. */
export const OUR_SOURCES = `${SOURCES_DIR}/ktstr-sid.sources`;
const OUR_PIN = '/etc/apt/preferences.d/ktstr-sid';

/** The URI of the machine's Debian archive, read from its own sources. */
export function debianArchiveUri(): string {
  const candidates = [`${SOURCES_DIR}/debian.sources`, '/etc/apt/sources.list'];
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    // deb822: a stanza whose Suites include a plain Debian release and whose URIs end in /debian
    const deb822 = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text);
    if (deb822) return deb822[1]!;
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+\S+/m.exec(text);
    if (oneLine) return oneLine[1]!;
  }
  throw new Error(`no Debian archive URI found in ${candidates.join(' or ')}; add the machine's Debian sources first`);
}

/** Adds the pinned sid source if it is missing; returns true when apt's lists need refreshing. */
export function ensureSidSource(log: (line: string) => void = () => {}): boolean {
  const uri = debianArchiveUri();
  const sources = [
    '# Added by ktstr: sched_ext kernels and their source packages. Pinned low (see ktstr-sid pin).',
    'Types: deb',
    `URIs: ${uri}`,
    'Suites: sid',
    'Components: main',
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
    '',
  ].join('\n');
  const pin = ['Package: *', 'Pin: release n=sid', 'Pin-Priority: 100', ''].join('\n');
  let changed = false;
  for (const [path, text] of [[OUR_SOURCES, sources], [OUR_PIN, pin]] as const) {
    if (existsSync(path) && readFileSync(path, 'utf8') === text) continue;
    writeFileSync(path, text);
    log(`wrote ${path}`);
    changed = true;
  }
  return changed;
}

export function aptUpdate(log: (line: string) => void = () => {}): void {
  log('apt-get update');
  const r = spawnSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`apt-get update failed: ${r.stderr.trim()}`);
}

/** A sched_ext-capable Debian kernel build, e.g. release 7.2.13+deb14-cloud-amd64. */
export interface DebianKernel {
  /** uname -r of the kernel, also the package suffix. */
  release: string;
  /** Upstream version, e.g. 7.2.13. */
  version: string;
  imagePackage: string;
  basePackage: string;
}

const imagePackage = (debianArch: string) => new RegExp(`^linux-binary-unsigned-(([0-9]+\\.[0-9]+(?:\\.[0-9]+)?)[^ ]*-cloud-${debianArch})$`);

/**
 * Every cloud kernel the archive offers in the split packaging that has vmlinuz.unsigned, for
 * Debian architecture `debianArch` (arm64 needs dpkg to know it: foreign-arch.ts).
 */
export function availableKernels(debianArch: 'amd64' | 'arm64' = 'amd64'): DebianKernel[] {
  const out = execFileSync('apt-cache', ['search', '--names-only', `^linux-binary-unsigned-.*-cloud-${debianArch}$`], { encoding: 'utf8' });
  const kernels: DebianKernel[] = [];
  const IMAGE_PACKAGE = imagePackage(debianArch);
  for (const line of out.split('\n')) {
    const name = line.split(' - ')[0]?.trim() ?? '';
    const m = IMAGE_PACKAGE.exec(name);
    if (!m) continue;
    kernels.push({ release: m[1]!, version: m[2]!, imagePackage: name, basePackage: `linux-base-${m[1]}` });
  }
  return kernels.sort((a, b) => compareVersions(b.version, a.version));
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.+-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** `7.2` matches 7.2.x, `7.2.13` that version, a full release string exactly; none = newest. */
export function matchKernel(kernels: readonly DebianKernel[], wanted?: string): DebianKernel | undefined {
  if (!wanted) return kernels[0];
  return kernels.find((k) => k.release === wanted || k.version === wanted || k.version.startsWith(`${wanted}.`));
}

export function downloadPackages(packages: readonly string[], intoDir: string): void {
  const r = spawnSync('apt-get', ['download', '-q', ...packages], { cwd: intoDir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`apt-get download ${packages.join(' ')} failed: ${r.stderr.trim()}`);
}

/**
 * `apt-get download` of `packages` into `dir`, then each .deb unpacked (`dpkg-deb -x`) into
 * `into` and removed: a package's files without installing it, for kernels, busybox and tools
 * taken from other suites or architectures.
 */
export function downloadAndUnpack(packages: readonly string[], dir: string, into: string): void {
  downloadPackages(packages, dir);
  const debs = readdirSync(dir).filter((n) => n.endsWith('.deb'));
  if (debs.length === 0) throw new Error(`apt-get download ${packages.join(' ')} left no .deb in ${dir}`);
  for (const deb of debs) {
    const r = spawnSync('dpkg-deb', ['-x', join(dir, deb), into], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`dpkg-deb -x ${deb} failed: ${r.stderr.trim()}`);
    rmSync(join(dir, deb));
  }
}
