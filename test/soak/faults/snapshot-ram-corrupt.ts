// A snapshot's RAM file overwritten in place between runs (its size unchanged): bytes written
// into a page the saved guest uses, so a restore from it would run a different guest.
import { closeSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Fault } from '../fault.js';
import { faultBetweenRuns } from './between-runs.js';

export const snapshotRamCorrupt: Fault = {
  kind: 'snapshot-ram-corrupt',
  summary: "a snapshot's RAM file corrupted in place between runs (same size)",
  run: (ctx) => faultBetweenRuns(ctx, (entry) => {
    const file = join(entry, 'ram-node0');
    const fd = openSync(file, 'r+');
    try {
      // A page that holds data (most of the file is a hole): try random pages until one is not all zero.
      const size = statSync(file).size;
      const page = Buffer.alloc(4096);
      for (let tries = 0; tries < 10_000; tries++) {
        const at = ctx.dice.int(0, size / 4096 - 1) * 4096;
        readSync(fd, page, 0, 4096, at);
        if (page.some((b) => b !== 0)) {
          const bytes = Buffer.from(Array.from({ length: 64 }, () => ctx.dice.int(0, 255)));
          writeSync(fd, bytes, 0, bytes.length, at + ctx.dice.int(0, 4096 - 64));
          return `64 random bytes written into the used page at ${at} of ram-node0`;
        }
      }
      return 'no used page found to corrupt';
    } finally {
      closeSync(fd);
    }
  }, /snapshot .*(discarded|did not restore)/),
};
