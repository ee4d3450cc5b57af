// A snapshot's device state overwritten with random bytes between runs.
import { openSync, statSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { Fault } from '../fault.js';
import { faultBetweenRuns } from './between-runs.js';

export const snapshotStateCorrupt: Fault = {
  kind: 'snapshot-state-corrupt',
  summary: "a snapshot's device state file corrupted between runs",
  run: (ctx) => faultBetweenRuns(ctx, (entry) => {
    const file = join(entry, 'state');
    const at = ctx.dice.int(0, statSync(file).size - 16);
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.from(Array.from({ length: 16 }, () => ctx.dice.int(0, 255))), 0, 16, at);
    closeSync(fd);
    return `16 random bytes at offset ${at} of state`;
  }, /snapshot .*(discarded|did not restore)/),
};
