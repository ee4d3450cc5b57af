/**
 * Debian packages of another architecture (the arm64 kernel, busybox-static:arm64) are reached
 * by `apt-get download pkg:arm64`, which needs apt to know the architecture: without it apt has
 * no arm64 package lists at all ("Unable to locate package"). `dpkg --add-architecture arm64`
 * makes apt fetch those lists on its next update; nothing of that architecture is installed,
 * packages are only downloaded and unpacked.
 */
import { spawnSync } from 'node:child_process';
import { KtstrError } from '../errors.js';

/** The architectures dpkg handles here: its native one and the foreign ones added. */
export function dpkgArchitectures(): string[] {
  const native = spawnSync('dpkg', ['--print-architecture'], { encoding: 'utf8' });
  const foreign = spawnSync('dpkg', ['--print-foreign-architectures'], { encoding: 'utf8' });
  if (native.error) throw new Error(`cannot run dpkg (${native.error.message}); arm64 packages come from Debian's archive`);
  return [native.stdout.trim(), ...foreign.stdout.split('\n').map((s) => s.trim())].filter((s) => s !== '');
}

export function hasDebianArch(debianArch: string): boolean {
  return dpkgArchitectures().includes(debianArch);
}

/**
 * Adds `debianArch` as a foreign architecture unless dpkg has it; returns true when it was
 * added (apt's lists then need an update). Adding needs root; without it the error says what to run.
 */
export function ensureDebianArch(debianArch: string, log: (line: string) => void = () => {}): boolean {
  if (hasDebianArch(debianArch)) return false;
  if (process.getuid?.() !== 0) {
    throw new KtstrError('architecture', debianArch, 'is not known to apt here, so its packages cannot be downloaded',
      `Run \`sudo dpkg --add-architecture ${debianArch} && sudo apt-get update\` (or \`sudo npx ktstr setup\`).`);
  }
  log(`dpkg --add-architecture ${debianArch}`);
  const r = spawnSync('dpkg', ['--add-architecture', debianArch], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dpkg --add-architecture ${debianArch} failed: ${(r.stderr || r.error?.message || '').trim()}`);
  return true;
}
