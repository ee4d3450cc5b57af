/**
 * The guest-side probe loader ktstr-probe (native/probe/), built like the fixture scheduler:
 * against the kernel's BTF with the toolchain of the kernel's source package
 * (native/scripts/build-probe.sh). The script keeps a stamp of its inputs, so asking for the
 * loader costs a fraction of a second once it is built; `ktstr setup` builds it beforehand.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureOutDir, nativeRoot } from '@ktstr/native';
import { KtstrError } from '../errors.js';

export const probeLoaderPath = (): string => join(fixtureOutDir, 'ktstr-probe');
export const buildProbeScript = (): string => join(nativeRoot, 'scripts', 'build-probe.sh');

/** Builds ktstr-probe against `vmlinux` when it is missing or stale; returns its path. */
export function ensureProbeLoader(vmlinux: string, log: (line: string) => void = (l) => process.stderr.write(`ktstr: ${l}\n`)): string {
  const out = probeLoaderPath();
  if (!existsSync(buildProbeScript())) {
    if (existsSync(out)) return out;
    throw new KtstrError('auto-repro probe loader', out, 'is not built and its build script is not installed', 'Run `npx ktstr setup` to build it.');
  }
  if (!existsSync(vmlinux)) {
    throw new KtstrError('auto-repro probe loader', vmlinux, 'cannot be built: the kernel has no vmlinux (with .BTF) beside its image', 'Use a kernel from the ktstr cache (`npx ktstr kernel fetch`).');
  }
  log(`build-probe.sh against ${vmlinux}, output in ${fixtureOutDir}`);
  const r = spawnSync('bash', [buildProbeScript(), vmlinux], {
    stdio: ['ignore', process.stderr, process.stderr],
    env: { ...process.env, KTSTR_NATIVE_OUT: fixtureOutDir },
  });
  if (r.status !== 0) {
    throw new KtstrError('auto-repro probe loader', out, `failed to build (\`bash ${buildProbeScript()} ${vmlinux}\` ${r.error?.message ?? `exited ${r.status}`})`,
      'The lines above say which step failed; `npx ktstr doctor` lists missing packages.');
  }
  return out;
}
