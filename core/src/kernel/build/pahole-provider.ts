/**
 * A pahole new enough for the tree, when the host's is not: Debian bookworm ships pahole 1.24,
 * and 7.x sched_ext needs 1.27 (build-tools.ts, requiredPaholeForKfuncs). sid's pahole needs a
 * newer glibc than bookworm has, so it cannot simply be installed. Instead its packages (pahole,
 * libdwarves1, libbpf1, libdw1t64, libelf1t64 and libc6, each from the sid suite ktstr already
 * has pinned low for kernels) are downloaded and unpacked into the cache, never installed, and a
 * `pahole` script there runs it with sid's own loader and libraries. The build puts that
 * directory first on make's PATH, so Kconfig and the BTF step both see the new pahole; nothing
 * else on the machine changes.
 *
 * Layout: <cache>/kernel-build/pahole/<version>/{root/ (unpacked packages), bin/pahole}.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KtstrError } from '../../errors.js';
import { locksDir } from '../../paths.js';
import { withLock } from '../../locks/index.js';
import { aptUpdate, downloadAndUnpack, ensureSidSource } from '../debian-archive.js';
import { kernelBuildDir } from './build-source.js';
import { paholeVersionNumber } from './build-tools.js';

/** The packages a sid pahole runs with: itself, its own libraries, and the glibc they need. */
export const SID_PAHOLE_PACKAGES = ['pahole', 'libdwarves1', 'libbpf1', 'libdw1t64', 'libelf1t64', 'libc6'] as const;

/** The wrapper that runs an unpacked pahole with the loader and libraries unpacked beside it. */
export function paholeWrapper(root: string): string {
  const lib = join(root, 'usr/lib/x86_64-linux-gnu');
  return [
    '#!/bin/sh',
    '# pahole from Debian sid, unpacked by ktstr (not installed): run with its own loader and libraries,',
    '# then the host\'s for what sid\'s packages did not bring (zlib, zstd, ...).',
    `exec ${lib}/ld-linux-x86-64.so.2 --library-path ${lib}:/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu ${root}/usr/bin/pahole "$@"`,
    '',
  ].join('\n');
}

function versionOf(pahole: string): number | undefined {
  const r = spawnSync(pahole, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? paholeVersionNumber(r.stdout) : undefined;
}

/**
 * A directory holding a `pahole` of at least `need` (Kconfig's number, 127 = 1.27), made from
 * sid's packages on first use and reused after; throws with the remedy when sid has none.
 */
export async function sidPahole(need: number, log: (line: string) => void): Promise<string> {
  const base = join(kernelBuildDir(), 'pahole');
  const usable = (): string | undefined => {
    if (!existsSync(base)) return undefined;
    for (const v of readdirSync(base).filter((n) => !n.startsWith('.')).sort().reverse()) {
      const bin = join(base, v, 'bin');
      const have = existsSync(join(bin, 'pahole')) ? versionOf(join(bin, 'pahole')) : undefined;
      if (have !== undefined && have >= need) return bin;
    }
    return undefined;
  };
  const ready = usable();
  if (ready) return ready;
  if (process.arch !== 'x64') {
    throw new KtstrError('pahole', process.arch, 'is too old on this host, and ktstr fetches a newer one only for x86_64 hosts', 'Install pahole 1.27 or newer and put it first on PATH.');
  }
  mkdirSync(base, { recursive: true });
  return withLock(join(locksDir(), 'kernel-build-pahole.lock'), { mode: 'exclusive', wait: true, timeoutMs: 10 * 60_000, purpose: 'unpack sid pahole' }, async () => {
    const again = usable();
    if (again) return again;
    if (ensureSidSource(log)) aptUpdate(log);
    const tmp = mkdtempSync(join(base, '.unpack-'));
    try {
      log(`pahole: the host's is too old; downloading sid's ${SID_PAHOLE_PACKAGES.join(', ')} (unpacked into the cache, not installed)`);
      const root = join(tmp, 'root');
      try {
        downloadAndUnpack(SID_PAHOLE_PACKAGES.map((p) => `${p}/sid`), tmp, root);
      } catch (e) {
        throw new KtstrError('pahole', 'sid', `could not be downloaded and unpacked (${(e as Error).message.trim().split('\n').pop()})`, 'Install pahole 1.27 or newer yourself and put it first on PATH.');
      }
      // sid's pahole does not run with bookworm's glibc: its version is asked through the wrapper.
      const probeBin = join(tmp, 'bin');
      mkdirSync(probeBin);
      const final = join(base, 'current');
      writeFileSync(join(probeBin, 'pahole'), paholeWrapper(join(final, 'root')));
      chmodSync(join(probeBin, 'pahole'), 0o755);
      rmSync(final, { recursive: true, force: true });
      renameSync(tmp, final);
      const got = versionOf(join(final, 'bin', 'pahole'));
      if (got === undefined || got < need) {
        throw new KtstrError('pahole', got === undefined ? 'sid (does not run)' : `v${Math.floor(got / 100)}.${got % 100}`, `from sid is not the 1.${need % 100} this tree needs`,
          'Install pahole 1.27 or newer yourself and put it first on PATH.');
      }
      log(`pahole: using sid's v${Math.floor(got / 100)}.${got % 100} from ${join(final, 'bin')}`);
      return join(final, 'bin');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}
