/**
 * The config-pairing rule at its one call site in the language server: a scheduler declared
 * with `configFile` needs `config` on every test that uses it, and one without rejects it.
 *
 * The rule itself belongs to core (core/src/api/config-pairing.ts, `checkConfigPairing`). Until
 * this branch has that module, `checkConfigPairing` below stands in with the same signature;
 * when core exports it, replace the stand-in by `import { checkConfigPairing } from '@ktstr/core'`.
 */
import { KtstrError } from '@ktstr/core';

function checkConfigPairing(schedulerHasConfigFile: boolean, testHasConfig: boolean, where: string): void {
  if (schedulerHasConfigFile && !testHasConfig) {
    throw new KtstrError(`${where}.config`, undefined, 'is missing, but the scheduler is declared with configFile',
      'Give this test config: the scheduler reads its configuration from that file.');
  }
  if (!schedulerHasConfigFile && testHasConfig) {
    throw new KtstrError(`${where}.config`, 'set', 'is set, but the scheduler has no configFile to write it to',
      'Remove config, or declare the scheduler with configFile.');
  }
}

/** The pairing problem of one test, or undefined. Accepts a rule that throws or returns. */
export function configPairingProblem(schedulerHasConfigFile: boolean, testHasConfig: boolean, where: string): KtstrError | undefined {
  try {
    const r: unknown = checkConfigPairing(schedulerHasConfigFile, testHasConfig, where);
    return r instanceof KtstrError ? r : undefined;
  } catch (e) {
    if (e instanceof KtstrError) return e;
    throw e;
  }
}
