/**
 * Which Debian suites ktstr takes sched_ext kernels from. `sid` is the primary suite: a fetch
 * without a version, and a run without --kernel, use its newest kernel. Secondary suites (today
 * trixie-backports, which carries a newer cloud kernel with sched_ext) are reached only when a
 * kernel from them is asked for, by version (`ktstr kernel fetch 7.3`) or by suite
 * (`--suite trixie-backports`): their sources entry costs an apt-get update, and a kernel from
 * them must not silently become every run's default.
 *
 * Suite names are fixed here; versions never are (they are read from apt-cache each time).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type DebianKernel, debianArchiveUri, matchKernel } from './debian-archive.js';
import { KtstrError } from '../errors.js';

export const PRIMARY_SUITE = 'sid';
/** Suites besides sid whose cloud kernels are built with sched_ext (DESIGN.md lists what was seen). */
export const SECONDARY_SUITES = ['trixie-backports'] as const;
export type KernelSuite = typeof PRIMARY_SUITE | (typeof SECONDARY_SUITES)[number];

export const BACKPORTS_SOURCES = '/etc/apt/sources.list.d/ktstr-backports.sources';
const BACKPORTS_PIN = '/etc/apt/preferences.d/ktstr-backports';

export function isKernelSuite(s: string): s is KernelSuite {
  return s === PRIMARY_SUITE || (SECONDARY_SUITES as readonly string[]).includes(s);
}

/**
 * Adds the pinned entry for the secondary suites if it is missing; returns true when apt's lists
 * need refreshing. Like the sid entry it reuses the machine's own archive URI and is pinned at
 * 100, so nothing on the machine upgrades from it.
 */
export function ensureSecondarySources(log: (line: string) => void = () => {}): boolean {
  const uri = debianArchiveUri();
  const sources = [
    '# Added by ktstr: newer sched_ext cloud kernels, fetched only when asked for. Pinned low (see ktstr-backports pin).',
    'Types: deb',
    `URIs: ${uri}`,
    `Suites: ${SECONDARY_SUITES.join(' ')}`,
    'Components: main',
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
    '',
  ].join('\n');
  const pin = SECONDARY_SUITES.flatMap((s) => ['Package: *', `Pin: release a=${s}`, 'Pin-Priority: 100', '']).join('\n');
  let changed = false;
  for (const [path, text] of [[BACKPORTS_SOURCES, sources], [BACKPORTS_PIN, pin]] as const) {
    if (existsSync(path) && readFileSync(path, 'utf8') === text) continue;
    try {
      writeFileSync(path, text);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EACCES' && (e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
      throw new KtstrError('apt source', path, `cannot be written without root (${SECONDARY_SUITES.join(', ')} is reached through it)`,
        'Run this fetch once as root (sudo), which adds the pinned entry and then the kernel; later fetches need no root.');
    }
    log(`wrote ${path}`);
    changed = true;
  }
  return changed;
}

/**
 * Which of the kernels apt offers a fetch means: with a suite, `wanted` (or the newest) of that
 * suite; without one, `wanted` from any suite, or the newest of the primary suite — so a newer
 * kernel in a secondary suite never becomes the default fetch.
 */
export function pickKernel<K extends DebianKernel & { suite: string }>(kernels: readonly K[], wanted?: string, suite?: string): K | undefined {
  const inScope = kernels.filter((k) => (suite ? k.suite === suite : wanted !== undefined || k.suite === PRIMARY_SUITE));
  return matchKernel(inScope, wanted) as K | undefined;
}

/** Parses `apt-cache madison` lines into package name -> the suites offering it. */
export function parseMadison(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const cols = line.split('|').map((c) => c.trim());
    if (cols.length < 3) continue;
    // "http://deb.debian.org/debian trixie-backports/main amd64 Packages": the suite is the
    // second word, before its component.
    const suite = cols[2]!.split(/\s+/)[1]?.split('/')[0];
    if (!cols[0] || !suite) continue;
    const list = out.get(cols[0]) ?? [];
    if (!list.includes(suite)) list.push(suite);
    out.set(cols[0], list);
  }
  return out;
}

/** The suite each package comes from, as apt sees it now (one apt-cache call for all of them). */
export function suitesOf(packages: readonly string[]): Map<string, string[]> {
  if (packages.length === 0) return new Map();
  const text = execFileSync('apt-cache', ['madison', ...packages], { encoding: 'utf8' });
  return parseMadison(text);
}
