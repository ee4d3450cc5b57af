// A snapshot's RAM file cut short between runs (a full disk, an interrupted copy).
import { statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import type { Fault } from '../fault.js';
import { faultBetweenRuns } from './between-runs.js';

export const snapshotRamTruncate: Fault = {
  kind: 'snapshot-ram-truncate',
  summary: "a snapshot's RAM file truncated between runs",
  run: (ctx) => faultBetweenRuns(ctx, (entry) => {
    const file = join(entry, 'ram-node0');
    const size = ctx.dice.int(0, statSync(file).size - 1);
    truncateSync(file, size);
    return `ram-node0 truncated to ${size} bytes`;
  }, /snapshot .*(discarded|did not restore)/),
};
