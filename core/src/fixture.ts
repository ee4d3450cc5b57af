/**
 * The project's own native binaries: the guest agent every VM boots, and `scx-ktstr`, the
 * fixture scheduler with failure knobs that ktstr's own tests (and users' smoke tests) load.
 */
import { dirname } from 'node:path';
import { isCheckout, nativeArtifacts } from '@ktstr/native';
import { declareScheduler } from './api/declare-scheduler.js';
import { KtstrError } from './errors.js';

/** Where the fixture scheduler is built: native/out in a checkout, the cache when installed. */
export function fixtureDir(): string {
  return dirname(nativeArtifacts.fixtureScheduler);
}

export function guestAgentPath(): string {
  if (!nativeArtifacts.exists('guestAgent')) {
    throw new KtstrError('guest agent', nativeArtifacts.guestAgent, 'is not built', isCheckout
      ? 'Run `npm run bootstrap` (it builds native/).'
      : 'Reinstall @ktstr/native, which ships it prebuilt; `npx ktstr doctor` checks the rest of the machine.');
  }
  return nativeArtifacts.guestAgent;
}

/**
 * The fixture scheduler (ops name "ktstr"), on a 2-LLC x 2-core topology by default. Installed
 * from npm, the first cell that uses it builds it against that cell's kernel (or `npx ktstr setup`
 * does beforehand).
 */
export const SCX_KTSTR = declareScheduler({
  name: 'scx-ktstr',
  binary: nativeArtifacts.fixtureScheduler,
  topology: { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 },
  exitDumpLenArg: '--exit-dump-len',
});
