import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sayOnce } from './guest-start.js';
import { readCellEvents } from '../stats/run-results.js';

// Found by the fault soak (snapshot-state-corrupt): "snapshot ... discarded (device state checksum
// mismatch)" went only to the test file's stderr, which node's runner keeps in a report that a
// passing `ktstr test` deletes, so nobody saw why a cell cold-booted. It goes to the run's events.
test("a snapshot notice reaches the run's event file once, where ktstr test prints it", () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-say-'));
  const before = process.env.KTSTR_RESULTS;
  process.env.KTSTR_RESULTS = join(dir, 'events.jsonl');
  try {
    sayOnce('snapshot abc discarded (device state checksum mismatch); rebuilding it');
    sayOnce('snapshot abc discarded (device state checksum mismatch); rebuilding it');
    const logs = readCellEvents(process.env.KTSTR_RESULTS).filter((e) => e.event === 'log');
    assert.deepEqual(logs.map((e) => e.event === 'log' && e.message), ['snapshot abc discarded (device state checksum mismatch); rebuilding it']);
  } finally {
    if (before === undefined) delete process.env.KTSTR_RESULTS;
    else process.env.KTSTR_RESULTS = before;
    rmSync(dir, { recursive: true, force: true });
  }
});
