import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nativeRoot } from './paths.js';

/**
 * Binaries built by the native/ build scripts (not by this package's TypeScript or addon build):
 * - `guestAgent`: the static agent that runs as init inside every test VM;
 * - `fixtureScheduler`: the sched_ext scheduler used as a known-good fixture in ktstr's own tests.
 */
export type NativeArtifactName = 'guestAgent' | 'fixtureScheduler';

export interface NativeArtifacts extends Readonly<Record<NativeArtifactName, string>> {
  /** Whether the artifact has been built (its file exists now). */
  exists(name: NativeArtifactName): boolean;
  /** The artifacts not built yet, for a single "run the build first" message. */
  missing(): NativeArtifactName[];
}

const paths: Readonly<Record<NativeArtifactName, string>> = {
  guestAgent: join(nativeRoot, 'out', 'ktstr-guest'),
  fixtureScheduler: join(nativeRoot, 'out', 'scx-ktstr'),
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
