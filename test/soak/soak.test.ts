// The suite's short fault soak: 10 seeded faults on real cells, each of which must end with the
// expected verdict and leave nothing behind (docs/soak.md). The two slow kinds are left to
// `npm run soak`: qemu-sigstop waits out a cell's timeout (over a minute) and kernel-race
// downloads a kernel twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vmUnavailableReason } from '@ktstr/core';
import { FAULTS } from './faults/index.js';
import { describeLeftovers } from './leftovers.js';
import { renderTable, soak } from './soak.js';

const SLOW = ['qemu-sigstop', 'kernel-race'];
const skip = vmUnavailableReason() ?? (process.getuid?.() !== 0 ? 'the soak mounts a private tmpfs and binds the cache read-only: it needs root' : false);

test('10 seeded faults: each ends as expected and leaves nothing behind', { skip, timeout: 600_000 }, async () => {
  const seed = Number(process.env.KTSTR_SOAK_SEED ?? 18);
  const report = await soak({
    faults: 10,
    seed,
    kinds: FAULTS.map((f) => f.kind).filter((k) => !SLOW.includes(k)),
    holdMs: 500,
    shmMiB: 2048,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stderr.write(`${renderTable(report)}\n`);
  for (const r of report.records) {
    assert.ok(r.ok, `seed ${seed}, fault ${r.index + 1} (${r.kind}, ${r.at}): ${r.verdict} — ${r.reason}; next cell ${r.next}${r.recovery ? `, recovery ${r.recovery}` : ''}`);
    assert.deepEqual(r.leftovers, [], `seed ${seed}, fault ${r.index + 1} (${r.kind}) left:\n${describeLeftovers(r.leftovers)}`);
  }
});
