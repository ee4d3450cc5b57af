/**
 * The Debian packages ktstr needs, read from core/apt-packages.json: the one list that both
 * `ktstr setup` and the repository's bootstrap (plain JavaScript, run before anything is
 * compiled) install from.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type AptScope = 'user' | 'repository';

export interface AptPackage {
  name: string;
  scope: AptScope;
  why: string;
}

// Two levels below core/ both as src/setup (tsx) and dist/setup (compiled).
const LIST = fileURLToPath(new URL('../../apt-packages.json', import.meta.url));

/** The packages for `scope`: "user" is what running ktstr needs; "repository" adds this repository's own test tools. */
export function aptPackages(scope: AptScope = 'user'): AptPackage[] {
  const doc = JSON.parse(readFileSync(LIST, 'utf8')) as { packages: Record<string, { scope: AptScope; why: string }> };
  return Object.entries(doc.packages)
    .filter(([, p]) => scope === 'repository' || p.scope === 'user')
    .map(([name, p]) => ({ name, scope: p.scope, why: p.why }));
}

/** Which of `names` dpkg does not have installed. One dpkg-query for all of them. */
export function missingAptPackages(names: readonly string[]): string[] {
  // dpkg-query exits non-zero when it knows some name not at all, but still prints the others.
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...names], { encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run dpkg-query (${r.error.message}); ktstr setup supports Debian and its derivatives`);
  const installed = new Set(r.stdout.split('\n').filter((l) => l.endsWith(' install ok installed')).map((l) => l.split(' ')[0]));
  return names.filter((n) => !installed.has(n));
}

/** apt-get update, then install `names` without recommends; output goes to stderr as it comes. */
export function installAptPackages(names: readonly string[]): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-q'], ['install', '-y', '-q', '--no-install-recommends', ...names]]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', process.stderr, process.stderr], env });
    if (r.status !== 0) throw new Error(`\`apt-get ${args.join(' ')}\` failed (${r.error?.message ?? `exit ${r.status}`})`);
  }
}
