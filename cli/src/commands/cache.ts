/** `ktstr cache ...`: cached initramfs images, post-boot snapshots, leftovers of dead runs. */
import type { Sade } from 'sade';
import { boundSnapshotStore, cleanBaseImages, cleanSnapshots, listSnapshots, parseSize, reapStaleRamFiles, storeLimitBytes } from '@ktstr/core';
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
    .describe('List snapshots: post-boot (one per kernel x topology x machine) and post-attach (one more per scheduler launch), most recently used first.')
    .option('--json', 'Print as JSON')
    .action(action((opts: { json?: boolean }) => {
      const all = listSnapshots().sort((a, b) => b.lastUsedMs - a.lastUsedMs);
      const total = all.reduce((s, e) => s + e.bytesOnDisk, 0);
      const limit = storeLimitBytes();
      if (opts.json) return printJson({ limitBytes: limit, totalBytes: total, snapshots: all.map(({ hello: _h, attached: _a, ...rest }) => ({ ...rest, lastUsed: new Date(rest.lastUsedMs).toISOString() })) });
      if (all.length === 0) process.stdout.write('no snapshots\n');
      for (const s of all) {
        const what = s.kind === 'post-attach' ? `post-attach\t${s.scheduler ?? '?'}` : 'post-boot\t-';
        process.stdout.write(`${s.key}\t${what}\t${s.topology}\t${s.kernel}\t${mib(s.bytesOnDisk)} on disk\tlast used ${new Date(s.lastUsedMs).toISOString()}\n`);
      }
      process.stdout.write(`${all.length} snapshot(s), ${mib(total)} of a ${mib(limit)} limit (KTSTR_SNAPSHOT_STORE_MAX); the least recently used go first\n`);
    }));

  prog
    .command('cache snapshots prune')
    .describe('Remove least recently used snapshots until the store fits a size limit (default: KTSTR_SNAPSHOT_STORE_MAX, else 8 GiB). Runs by itself after every new snapshot.')
    .option('--max-size', 'The limit, e.g. 2G or 500M')
    .option('--json', 'Print as JSON')
    .action(action((opts: { 'max-size'?: string; json?: boolean }) => {
      const limit = opts['max-size'] !== undefined ? parseSize(String(opts['max-size']), '--max-size') : storeLimitBytes();
      const removed = boundSnapshotStore(limit);
      if (opts.json) printJson({ limitBytes: limit, removed });
      else process.stdout.write(`removed ${removed.length} snapshot(s)${removed.length ? ` (${mib(removed.reduce((s, r) => s + r.bytes, 0))})` : ''}; limit ${mib(limit)}\n`);
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
