/** Shared rendering helpers: plain lines for people, one JSON document with --json. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function progress(line: string): void {
  process.stderr.write(`ktstr: ${line}\n`);
}

/**
 * Runs a command body; an error prints as one readable message and exits 2, so a script can
 * tell "the command could not do its job" (2) from "cells ran and some failed" (1).
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void) {
  return async (...args: A): Promise<void> => {
    try {
      await fn(...args);
    } catch (e) {
      const err = e as Error;
      process.stderr.write(`ktstr: error: ${err.message}\n`);
      if (process.env.KTSTR_DEBUG && err.stack) process.stderr.write(`${err.stack}\n`);
      process.exitCode = 2;
    }
  };
}
