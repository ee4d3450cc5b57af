/**
 * Builds the fixture scheduler scx-ktstr on this machine (native/scripts/build-scheduler.sh):
 * against the kernel's BTF, with the libbpf and bpftool of that kernel's Debian source package,
 * which is why it cannot ship prebuilt. The script is idempotent (a stamp of its inputs), locked
 * against concurrent builds, and prints its own progress.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fixtureOutDir, nativeArtifacts, nativeRoot } from '@ktstr/native';
import { KtstrError } from '../errors.js';
import { SCX_KTSTR } from '../fixture.js';
import type { Log } from './item.js';

export const buildSchedulerScript = (): string => join(nativeRoot, 'scripts', 'build-scheduler.sh');

/** Builds scx-ktstr (or with `coverage` its gcov-instrumented loader scx-ktstr-cov) against `vmlinux`. */
export function buildFixtureScheduler(vmlinux: string, opts: { coverage?: boolean; log?: Log } = {}): string {
  const log = opts.log ?? ((l: string) => process.stderr.write(`ktstr: ${l}\n`));
  if (!existsSync(vmlinux)) {
    throw new KtstrError('fixture scheduler', vmlinux, 'cannot be built: the kernel has no vmlinux (with .BTF) beside its image',
      'Use a kernel from the ktstr cache (`npx ktstr kernel fetch`) or set KTSTR_VMLINUX to a vmlinux with BTF.');
  }
  const out = join(fixtureOutDir, opts.coverage ? 'scx-ktstr-cov' : 'scx-ktstr');
  // The script decides whether anything is stale (a stamp of its inputs) and says so.
  log(`build-scheduler.sh${opts.coverage ? ' --coverage' : ''} against ${vmlinux}, output in ${fixtureOutDir}`);
  const args = [buildSchedulerScript(), ...(opts.coverage ? ['--coverage'] : []), vmlinux];
  const r = spawnSync('bash', args, {
    stdio: ['ignore', process.stderr, process.stderr],
    env: { ...process.env, KTSTR_NATIVE_OUT: fixtureOutDir },
  });
  if (r.status !== 0) {
    throw new KtstrError('fixture scheduler', out, `failed to build (\`bash ${args.join(' ')}\` ${r.error?.message ?? `exited ${r.status}`})`,
      'The lines above say which step failed; `npx ktstr doctor` lists missing packages, `npx ktstr setup` installs them.');
  }
  return out;
}

/**
 * Builds the fixture scheduler on first use: when a cell declares scx-ktstr and it is not built
 * yet (a fresh install), build it against the cell's kernel instead of failing with "does not
 * exist". Other schedulers are the user's to build.
 */
export function ensureFixtureScheduler(binary: string | undefined, vmlinuz: string): void {
  if (binary !== nativeArtifacts.fixtureScheduler || nativeArtifacts.exists('fixtureScheduler')) return;
  buildFixtureScheduler(join(dirname(vmlinuz), 'vmlinux'));
}

/**
 * Before a run starts its test processes: when any cell to run uses scx-ktstr and it is not built
 * (a fresh install that skipped `ktstr setup`), build it here, where its progress is shown,
 * rather than inside the first cell's process. A no-op otherwise.
 */
export function ensureFixtureForRun(schedulers: readonly string[], vmlinuz: string, log?: Log): void {
  if (!schedulers.includes(SCX_KTSTR.name) || nativeArtifacts.exists('fixtureScheduler')) return;
  buildFixtureScheduler(join(dirname(vmlinuz), 'vmlinux'), log ? { log } : {});
}
