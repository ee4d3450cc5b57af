/**
 * The config-pairing rule at its one call site in the language server: a scheduler declared
 * with `configFile` needs `config` on every test that uses it, and one without rejects it. The
 * rule is core's `checkConfigPairing`; the analysis knows only whether each side is present.
 */
import { checkConfigPairing, KtstrError } from '@ktstr/core';

/** The pairing problem of one test, or undefined. */
export function configPairingProblem(
  scheduler: { name: string; hasConfigFile: boolean } | undefined,
  testHasConfig: boolean,
  where: string,
): KtstrError | undefined {
  // The guest path only shapes the message; the editor does not need the declared one to be resolvable.
  const decl = scheduler && { name: scheduler.name, ...(scheduler.hasConfigFile ? { configFile: { arg: '--config {file}', guestPath: 'its configFile path' } } : {}) };
  try {
    checkConfigPairing(decl, testHasConfig ? {} : undefined, where);
    return undefined;
  } catch (e) {
    if (e instanceof KtstrError) return e;
    throw e;
  }
}
