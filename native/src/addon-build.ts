/**
 * Builds the host addon with cmake-js (Node-API mode, offline: see addon/CMakeLists.txt). In a
 * checkout it builds in place (native/build/Release) with `npm run build:addon`'s script; installed from
 * npm it builds into the cache, because node_modules may be read-only and is replaced by the next
 * `npm ci`. A stamp beside the result holds a hash of the sources, so a check can tell a stale
 * build from a current one without invoking cmake.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { buildRoot, isCheckout, nativeRoot } from './paths.js';

const addonSources = join(nativeRoot, 'addon');

/** The compiled addon: native/build/Release/ in a checkout, `<cache>/native/<version>/addon/` installed. */
export const addonPath: string = isCheckout
  ? join(nativeRoot, 'build', 'Release', 'ktstr_native.node')
  : join(buildRoot(), 'addon', 'ktstr_native.node');

const stampPath = `${addonPath}.stamp`;
const logPath = join(dirname(addonPath), 'cmake.log');

/** A hash of everything the addon is built from, so an edited source makes the build stale. */
export function addonSourceHash(): string {
  const h = createHash('sha256');
  const files = ['CMakeLists.txt', 'package.json', ...readdirSync(join(addonSources, 'src')).sort().map((f) => join('src', f))];
  for (const f of files) h.update(f).update('\0').update(readFileSync(join(addonSources, f))).update('\0');
  return h.digest('hex').slice(0, 16);
}

export type AddonState = 'current' | 'stale' | 'missing';

/** Whether the addon is built from the sources at hand. A build without a stamp counts as current. */
export function addonState(): AddonState {
  if (!existsSync(addonPath)) return 'missing';
  if (!existsSync(stampPath)) return 'current';
  return readFileSync(stampPath, 'utf8').trim() === addonSourceHash() ? 'current' : 'stale';
}

function cmakeJs(): string {
  const pkg = createRequire(import.meta.url).resolve('cmake-js/package.json');
  return join(dirname(pkg), 'bin', 'cmake-js');
}

/**
 * Builds the addon. Installed: into the cache, `log` getting a line when it starts and one when
 * it is done, cmake's own output going to cmake.log beside the result. In a checkout: in place,
 * through native/scripts/build-addon.mjs. Throws with the command and what to do when it fails.
 */
export function buildAddon(log: (line: string) => void = (l) => process.stderr.write(`ktstr: ${l}\n`)): string {
  if (isCheckout) {
    // The repository's own build script: it compares the result with its sources by mtime and
    // says "up to date" without starting cmake (what the bootstrap's e2e test checks).
    const script = join(nativeRoot, 'scripts', 'build-addon.mjs');
    const r = spawnSync(process.execPath, [script], { stdio: ['ignore', process.stderr, process.stderr] });
    if (r.status !== 0) throw new Error(`building the native addon failed (\`node ${script}\` ${r.error ? r.error.message : `exited ${r.status}`}); the lines above say why`);
    return addonPath;
  }
  mkdirSync(dirname(addonPath), { recursive: true });
  const work = mkdtempSync(join(dirname(addonPath), '.build-'));
  const started = Date.now();
  log(`building the native addon with cmake-js into ${dirname(addonPath)} (under a minute, once)`);
  try {
    const args = [cmakeJs(), 'build', '--directory', addonSources, '--out', work, '--parallel', '1'];
    // cmake prints a screenful even when all is well; it goes to a log shown only on failure.
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
    writeFileSync(logPath, `${r.stdout ?? ''}${r.stderr ?? ''}`);
    if (r.status !== 0) {
      process.stderr.write(`${readFileSync(logPath, 'utf8').split('\n').slice(-40).join('\n')}\n`);
      throw new Error(
        `building the native addon failed (\`node ${args.join(' ')}\` ${r.error ? r.error.message : `exited ${r.status}`}; whole output in ${logPath}). ` +
          'It needs cmake, ninja-build and g++: run `npx ktstr doctor` to see what is missing and `npx ktstr setup` to install it.',
      );
    }
    // Copied beside the final name and renamed: concurrent first uses never load a half-written file.
    const tmp = `${addonPath}.${process.pid}`;
    copyFileSync(join(work, 'Release', 'ktstr_native.node'), tmp);
    renameSync(tmp, addonPath);
    writeFileSync(stampPath, `${addonSourceHash()}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  log(`native addon built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${addonPath}`);
  return addonPath;
}
