/** The `ktstr shell` command line that boots one cell's topology with its scheduler loaded. */
import type { CellArg, TestArgs } from '@ktstr/language-server/dist/handlers/commands.js';

export function shellArgs(test: TestArgs, cell: CellArg, schedulerBinary: string | undefined): string[] {
  const args = ['shell', '--topology', cell.topology];
  // 'default' is the label the server uses when no kernel is configured or cached.
  if (cell.kernel !== 'default') args.push('--kernel', cell.kernel);
  if (schedulerBinary) {
    args.push('--scheduler', schedulerBinary);
    for (const a of test.scheduler?.schedArgs ?? []) args.push('--sched-arg', a);
  }
  return args;
}
