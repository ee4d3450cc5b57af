import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildRoot, nativeRoot } from './paths.js';

/**
 * The native binaries:
 * - `guestAgent`: the static agent that runs as init inside every test VM. Static, so it ships
 *   prebuilt in the package (out/ktstr-guest) and is built in place in a checkout;
 * - `fixtureScheduler`: the sched_ext scheduler used as a known-good fixture. It is built on the
 *   user's machine against the kernel's BTF (scripts/build-scheduler.sh), so it lives in native/out
 *   in a checkout and in the cache when installed (see buildRoot()).
 */
export type NativeArtifactName = 'guestAgent' | 'fixtureScheduler';

export interface NativeArtifacts extends Readonly<Record<NativeArtifactName, string>> {
  /** Whether the artifact has been built (its file exists now). */
  exists(name: NativeArtifactName): boolean;
  /** The artifacts not built yet, for a single "run the build first" message. */
  missing(): NativeArtifactName[];
}

/** The directory build-scheduler.sh writes the fixture scheduler (and its coverage build) into. */
export const fixtureOutDir: string = join(buildRoot(), 'out');

const paths: Readonly<Record<NativeArtifactName, string>> = {
  guestAgent: join(nativeRoot, 'out', 'ktstr-guest'),
  fixtureScheduler: join(fixtureOutDir, 'scx-ktstr'),
};

/** Absolute paths of the native binaries, plus presence checks. */
export const nativeArtifacts: NativeArtifacts = {
  ...paths,
  exists(name) {
    return existsSync(paths[name]);
  },
  missing() {
    return (Object.keys(paths) as NativeArtifactName[]).filter((name) => !existsSync(paths[name]));
  },
};
