/** `ktstr shell`: a busybox shell (or one command with --exec) inside a VM. */
import type { Sade } from 'sade';
import { action } from '../output.js';

export function registerShellCommand(prog: Sade): void {
  prog
    .command('shell')
    .describe('Boot a VM and open a busybox shell in it (debugging, not tests).')
    .option('--topology', 'NnLlCcTt, N,L,C,T or a preset name', '1n1l2c1t')
    .option('--kernel', 'Kernel version or path')
    .option('--include-files', 'Host files to copy in, with their shared libraries (repeatable)')
    .option('--exec', 'Run this command in the guest, print its output and exit with its status')
    .action(action(async () => {
      throw new Error('not wired yet');
    }));
}
