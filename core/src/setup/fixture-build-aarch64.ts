/**
 * The fixture scheduler for aarch64 guests: native/scripts/build-scheduler-aarch64.sh cross-builds
 * it (a static arm64 loader, its BPF object against the arm64 kernel's BTF) into
 * <native out>/aarch64/scx-ktstr. The script answers "up to date" from its stamp in well under a
 * second, so a cell calls this every time; the first build takes a few minutes (it fetches the
 * arm64 static libraries and cross-builds libbpf once per toolchain version).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { nativeArtifacts, nativeRoot } from '@ktstr/native';
import { KtstrError } from '../errors.js';

export const AARCH64_FIXTURE_SCHEDULER = join(dirname(nativeArtifacts.fixtureScheduler), 'aarch64', 'scx-ktstr');

/** Builds (or finds up to date) the arm64 fixture for the kernel whose BTF is `vmlinux`; returns its path. */
export function aarch64FixtureScheduler(vmlinux: string, log: (line: string) => void = () => {}): string {
  const r = spawnSync('bash', [join(nativeRoot, 'scripts', 'build-scheduler-aarch64.sh'), vmlinux], {
    encoding: 'utf8',
    env: { ...process.env, KTSTR_NATIVE_OUT: dirname(nativeArtifacts.fixtureScheduler) },
    maxBuffer: 64 << 20,
  });
  for (const line of (r.stderr ?? '').split('\n')) if (line.startsWith('[scheduler-aarch64] built') || line.startsWith('[scheduler-aarch64] arm64 toolchain')) log(line);
  if (r.status !== 0) {
    throw new KtstrError('scheduler', 'scx-ktstr (aarch64)', `could not be cross-built: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-4).join(' | ')}`,
      'Run `npx ktstr setup` (gcc-aarch64-linux-gnu, arm64 as a dpkg architecture), then retry; native/scripts/build-scheduler-aarch64.sh shows the whole build.');
  }
  return AARCH64_FIXTURE_SCHEDULER;
}
