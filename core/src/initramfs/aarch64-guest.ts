/**
 * The two binaries of an aarch64 guest's base initramfs, both static for arm64:
 *  - the guest agent, cross-built from the same sources with Debian's gcc-aarch64-linux-gnu
 *    (`make -C native/guest ARCH=aarch64` -> native/out/aarch64/ktstr-guest). In a checkout a
 *    missing or stale one is built here (about half a minute); an installed package ships it;
 *  - busybox from Debian's busybox-static:arm64, downloaded and unpacked (never installed) into
 *    the cache. It is the same package version as the host's busybox-static, so the host's
 *    `busybox --list` names the same applets (an arm64 binary cannot be run here to ask it).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isCheckout, nativeArtifacts, nativeRoot } from '@ktstr/native';
import { KtstrError } from '../errors.js';
import { cacheRoot, locksDir } from '../paths.js';
import { withLock } from '../locks/index.js';
import { ensureDebianArch } from '../kernel/foreign-arch.js';
import { aptUpdate, downloadAndUnpack } from '../kernel/debian-archive.js';
import { type BaseImage, baseImage } from './guest-image.js';

type Log = (line: string) => void;

export const AARCH64_GUEST_AGENT = join(dirname(nativeArtifacts.guestAgent), 'aarch64', 'ktstr-guest');

/** The arm64 agent, built first in a checkout when it is missing or older than its sources. */
export function aarch64GuestAgentPath(log: Log = () => {}): string {
  if (isCheckout) {
    const guestDir = join(nativeRoot, 'guest');
    const upToDate = spawnSync('make', ['-q', '-s', '-C', guestDir, 'ARCH=aarch64'], { stdio: 'ignore' }).status === 0;
    if (!upToDate) {
      log('cross-building the guest agent for aarch64');
      const r = spawnSync('make', ['-s', '-C', guestDir, 'ARCH=aarch64'], { encoding: 'utf8' });
      if (r.status !== 0) {
        throw new KtstrError('guest agent', AARCH64_GUEST_AGENT, `could not be cross-built: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' ')}`,
          'Install Debian\'s gcc-aarch64-linux-gnu and libc6-dev-arm64-cross (`npm run bootstrap` does), then retry.');
      }
    }
  }
  if (!existsSync(AARCH64_GUEST_AGENT)) {
    throw new KtstrError('guest agent', AARCH64_GUEST_AGENT, 'is not built for aarch64',
      isCheckout ? 'Run `make -C native/guest ARCH=aarch64` (needs gcc-aarch64-linux-gnu).' : 'Reinstall @ktstr/native, which ships it prebuilt.');
  }
  return AARCH64_GUEST_AGENT;
}

/** The version of busybox-static installed on the host, which the arm64 copy must match. */
function hostBusyboxVersion(): string {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'busybox-static'], { encoding: 'utf8' });
  const v = r.stdout?.trim();
  if (r.status !== 0 || !v) {
    throw new KtstrError('busybox', 'busybox-static', 'is not installed on the host', 'Install it (`npx ktstr setup`): the arm64 guest takes the same version\'s applet list from it.');
  }
  return v;
}

/** busybox-static:arm64 of the host's version, fetched once into <cache>/busybox/. */
export async function aarch64Busybox(log: Log = () => {}): Promise<string> {
  const version = hostBusyboxVersion();
  const dir = join(cacheRoot(), 'busybox', `arm64-${version.replace(/[^A-Za-z0-9.+~-]/g, '_')}`);
  const path = join(dir, 'busybox');
  if (existsSync(path)) return path;
  mkdirSync(locksDir(), { recursive: true });
  return withLock(join(locksDir(), 'busybox-arm64.lock'), { mode: 'exclusive', wait: true, timeoutMs: 5 * 60_000, purpose: 'busybox-static:arm64 fetch' }, async () => {
    if (existsSync(path)) return path;
    if (ensureDebianArch('arm64', log)) aptUpdate(log);
    mkdirSync(dirname(dir), { recursive: true });
    const tmp = mkdtempSync(join(dirname(dir), '.fetch-'));
    try {
      log(`downloading busybox-static:arm64=${version}`);
      downloadAndUnpack([`busybox-static:arm64=${version}`], tmp, join(tmp, 'x'));
      mkdirSync(join(tmp, 'entry'));
      copyFileSync(join(tmp, 'x', 'bin', 'busybox'), join(tmp, 'entry', 'busybox'));
      rmSync(dir, { recursive: true, force: true });
      renameSync(join(tmp, 'entry'), dir);
      return path;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}

/** The base initramfs of an aarch64 guest: guest-image.ts's, with the arm64 binaries. */
export async function aarch64BaseImage(log: Log = () => {}): Promise<BaseImage> {
  return baseImage({ agentPath: aarch64GuestAgentPath(log), busyboxPath: await aarch64Busybox(log) });
}
