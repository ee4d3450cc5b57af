/**
 * `ktstr setup`: installs what `ktstr doctor` finds missing, item by item with progress, and says
 * "up to date" for what is already there, so running it again is cheap. Debian packages and the
 * first kernel fetch need root; without it, setup says so and prints the command to run.
 */
import type { Sade } from 'sade';
import { runSetup } from '@ktstr/core/setup';
import { action, printJson, progress } from '../output.js';

export function registerSetupCommand(prog: Sade): void {
  prog
    .command('setup')
    .describe('Install what ktstr needs on this machine (see ktstr doctor); items already present are left alone.')
    .option('--json', 'After the progress on stderr, print each item\'s outcome as JSON on stdout')
    .action(action(async (opts: { json?: boolean }) => {
      const started = Date.now();
      const result = await runSetup({ log: progress });
      if (opts.json) printJson(result);
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      if (result.ok) progress(`setup: ready in ${secs} s`);
      else {
        progress(`setup: not finished after ${secs} s; the failed item above says what to do, \`npx ktstr doctor\` shows the rest`);
        process.exitCode = 1;
      }
    }));
}
