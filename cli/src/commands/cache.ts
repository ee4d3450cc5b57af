/** `ktstr cache clean`: cached initramfs bases in /dev/shm. */
import type { Sade } from 'sade';
import { cleanBaseImages, reapStaleRamFiles } from '@ktstr/core';
import { action, printJson } from '../output.js';

export function registerCacheCommands(prog: Sade): void {
  prog
    .command('cache clean')
    .describe('Remove cached initramfs images and RAM files left by dead runs from /dev/shm.')
    .option('--json', 'Print as JSON')
    .action(action((opts: { json?: boolean }) => {
      const images = cleanBaseImages();
      const ram = reapStaleRamFiles();
      if (opts.json) printJson({ initramfsImages: images, staleRamFiles: ram });
      else process.stdout.write(`removed ${images} initramfs image(s) and ${ram.length} stale RAM file(s)\n`);
    }));
}
