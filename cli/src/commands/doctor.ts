/**
 * `ktstr doctor [--json]`: what this machine has of what ktstr needs, what is missing, and what
 * `ktstr setup` would do about it and why. Changes nothing. Exit status 0 when ready, 1 when not,
 * so scripts can gate on it.
 */
import type { Sade } from 'sade';
import { doctor } from '@ktstr/core/setup';
import { action, printJson } from '../output.js';

export function registerDoctorCommand(prog: Sade): void {
  prog
    .command('doctor')
    .describe('Check this machine for what ktstr needs (packages, kernel, toolchain, addon, agent, fixture) without changing anything.')
    .option('--json', 'Print the report as JSON')
    .action(action((opts: { json?: boolean }) => {
      const report = doctor();
      if (!report.ready) process.exitCode = 1;
      if (opts.json) {
        printJson(report);
        return;
      }
      const w = (line: string) => process.stdout.write(`${line}\n`);
      for (const item of report.items) {
        w(`${item.ok ? 'ok     ' : item.optional ? 'absent ' : 'MISSING'} ${item.title}: ${item.detail}${!item.ok && item.optional ? ' (optional)' : ''}`);
        if (item.ok) continue;
        w(`        why: ${item.why}`);
        if (item.action) w(`        setup would: ${item.action}${item.needsRoot ? ' (needs root)' : ''}`);
        if (item.remedy) w(`        to fix: ${item.remedy}`);
      }
      if (report.ready) {
        w('ready: `npx ktstr test` can run cells here.');
        return;
      }
      const rootNeeded = report.items.some((i) => !i.ok && i.needsRoot) && !report.root;
      w(`not ready (${report.missing.join(', ')}): run ${rootNeeded ? '`sudo npx ktstr setup` (what needs root), then ' : ''}\`npx ktstr setup\`.`);
    }));
}
