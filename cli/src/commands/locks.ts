/** `ktstr locks`: every ktstr lock on this host, whether it is held, and by whom. */
import type { Sade } from 'sade';
import { cacheRoot, describeHolder, listLocks } from '@ktstr/core';
import { join } from 'node:path';
import { action, printJson } from '../output.js';

export function registerLocksCommand(prog: Sade): void {
  prog
    .command('locks')
    .describe('List ktstr locks with their holders (PID and command line).')
    .option('--json', 'Print as JSON')
    .action(action((opts: { json?: boolean }) => {
      const locks = listLocks(join(cacheRoot(), 'locks'));
      if (opts.json) return printJson(locks);
      if (locks.length === 0) process.stdout.write('no locks\n');
      for (const l of locks) {
        process.stdout.write(`${l.state}\t${l.path}\n`);
        for (const h of l.holders) process.stdout.write(`\t${describeHolder(h)}\n`);
      }
    }));
}
