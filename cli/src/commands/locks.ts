/**
 * `ktstr locks`: the ktstr locks on this host that are held, and by whom (PID, command line,
 * purpose): per-CPU and per-LLC locks of CPU budgets, kernel and image cache entries,
 * snapshots. `--all` adds the free ones.
 */
import type { Sade } from 'sade';
import { cacheRoot, describeHolder, listLocks } from '@ktstr/core';
import { join, relative, sep } from 'node:path';
import { action, printJson } from '../output.js';

export function registerLocksCommand(prog: Sade): void {
  prog
    .command('locks')
    .describe('List held ktstr locks (CPU, LLC, cache) with their holders (PID and command line).')
    .option('--all', 'Also list free locks')
    .option('--json', 'Print as JSON')
    .action(action((opts: { json?: boolean; all?: boolean }) => {
      const dir = join(cacheRoot(), 'locks');
      const locks = listLocks(dir)
        .filter((l) => opts.all || l.held)
        .map((l) => ({ ...l, kind: relative(dir, l.path).split(sep)[0]!.replace(/\.lock$/, '') }));
      if (opts.json) return printJson(locks);
      if (locks.length === 0) process.stdout.write(opts.all ? 'no locks\n' : 'no held locks\n');
      for (const l of locks) {
        process.stdout.write(`${l.state.padEnd(9)} ${l.path}\n`);
        for (const h of l.holders) process.stdout.write(`          ${describeHolder(h)}\n`);
      }
    }));
}
