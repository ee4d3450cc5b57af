/** `ktstr presets`: the topology presets, as a table or JSON. */
import type { Sade } from 'sade';
import { presetsFor, type Arch } from '@ktstr/presets';
import { KtstrError, topologyLabel, totalCpus } from '@ktstr/core';
import { action, printJson } from '../output.js';

export function registerPresetsCommand(prog: Sade): void {
  prog
    .command('presets')
    .describe('List the topology presets (names usable with --topology).')
    .option('--arch', 'x86_64 or aarch64', 'x86_64')
    .option('--json', 'Print as JSON')
    .action(action((opts: { arch: string; json?: boolean }) => {
      if (opts.arch !== 'x86_64' && opts.arch !== 'aarch64') {
        throw new KtstrError('--arch', opts.arch, 'is not a supported architecture', 'Use x86_64 or aarch64.');
      }
      const list = presetsFor(opts.arch as Arch).map((p) => ({ ...p, label: topologyLabel(p.topology), cpus: totalCpus(p.topology) }));
      if (opts.json) return printJson(list);
      const width = Math.max(...list.map((p) => p.name.length));
      for (const p of list) process.stdout.write(`${p.name.padEnd(width)}  ${p.label.padEnd(10)}  ${String(p.cpus).padStart(3)} CPUs  ${p.description}\n`);
    }));
}
