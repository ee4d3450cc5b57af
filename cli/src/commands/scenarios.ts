/** `ktstr scenarios --list [--json]`: the canned scenarios, as group/name and description. */
import type { Sade } from 'sade';
import { catalogEntries, catalogMarkdown } from '@ktstr/core';
import { action, printJson } from '../output.js';

const requiresText = (r: Record<string, unknown> | undefined) =>
  r ? Object.entries(r).map(([k, v]) => (v === true ? k : `${k}=${String(v)}`)).join(',') : '';

export function registerScenariosCommand(prog: Sade): void {
  prog
    .command('scenarios')
    .describe('List the canned scenarios (run one with ktstr test --scenario group/name).')
    .option('--list', 'List them (the default)')
    .option('--json', 'Print as JSON')
    .option('--markdown', 'Print as a Markdown table (the one in docs/scenarios.md)')
    .action(action((opts: { json?: boolean; markdown?: boolean }) => {
      if (opts.markdown) return void process.stdout.write(catalogMarkdown());
      const list = catalogEntries().map(({ build: _b, ...e }) => e);
      if (opts.json) return printJson(list);
      const width = Math.max(...list.map((e) => e.id.length));
      for (const e of list) {
        const req = requiresText(e.requires as Record<string, unknown> | undefined);
        process.stdout.write(`${e.id.padEnd(width)}  ${e.description}${req ? ` [requires ${req}]` : ''}\n`);
      }
    }));
}
