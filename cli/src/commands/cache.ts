/** `ktstr cache ...`: cached initramfs images, post-boot snapshots, leftovers of dead runs. */
import type { Sade } from 'sade';
import { cleanBaseImages, cleanSnapshots, listSnapshots, reapStaleRamFiles } from '@ktstr/core';
import { action, printJson } from '../output.js';

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

export function registerCacheCommands(prog: Sade): void {
  prog
    .command('cache clean')
    .describe('Remove cached initramfs images, and guest RAM files left in /dev/shm by dead runs.')
    .option('--json', 'Print as JSON')
    .action(action((opts: { json?: boolean }) => {
      const images = cleanBaseImages();
      const ram = reapStaleRamFiles();
      if (opts.json) printJson({ initramfsImages: images, staleRamFiles: ram });
      else process.stdout.write(`removed ${images} initramfs image(s) and ${ram.length} stale RAM file(s)\n`);
    }));

  prog
    .command('cache snapshots list')
    .describe('List post-boot snapshots (one per kernel x topology x machine).')
    .option('--json', 'Print as JSON')
    .action(action((opts: { json?: boolean }) => {
      const all = listSnapshots();
      if (opts.json) return printJson(all.map(({ hello: _h, ...rest }) => rest));
      if (all.length === 0) process.stdout.write('no snapshots\n');
      for (const s of all) {
        process.stdout.write(`${s.key}\t${s.topology}\t${s.kernel}\t${mib(s.bytesOnDisk)} on disk\tcold boot ${(s.coldBootMs / 1000).toFixed(1)} s\t${s.createdAt}\n`);
      }
    }));

  prog
    .command('cache snapshots clean')
    .describe('Remove every post-boot snapshot; the next cell of each key makes a new one.')
    .option('--json', 'Print as JSON')
    .action(action((opts: { json?: boolean }) => {
      const n = cleanSnapshots();
      if (opts.json) printJson({ removed: n });
      else process.stdout.write(`removed ${n} snapshot(s)\n`);
    }));
}
