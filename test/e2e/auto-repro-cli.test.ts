// Auto-repro through `ktstr test`: a cell whose scheduler crashes is rerun with probes, and the
// run's record carries the rerun's summary with its own time; `autoRepro: false` turns it off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { skipReason } from '../vm/cell-env.js';

const root = join(import.meta.dirname, '..', '..');

test('a crashing cell gets an auto-repro summary in its record, unless the test turns it off', { skip: skipReason, timeout: 900_000 }, () => {
  const r = spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), 'test', join(root, 'test/fixtures/auto-repro.ktstr.ts'), '--json'], {
    cwd: root, encoding: 'utf8', timeout: 900_000,
  });
  assert.equal(r.status, 1, r.stderr.slice(-3000));
  const cells = JSON.parse(r.stdout).cells as Record<string, any>[];
  const probed = cells.find((c) => c.test === 'auto-repro crash probed')!;
  const off = cells.find((c) => c.test === 'auto-repro crash not probed')!;
  for (const c of [probed, off]) {
    assert.equal(c.status, 'failed');
    assert.match(c.reason, /scx_bpf_error|error knob/);
  }
  process.stderr.write(`auto-repro-cli: ${JSON.stringify(probed.autoRepro)}; cell ${probed.durationMs} ms\n`);
  assert.equal(probed.autoRepro?.status, 'captured', JSON.stringify(probed.autoRepro));
  assert.ok(probed.autoRepro.calls > 0 && probed.autoRepro.sites > 0);
  assert.ok(probed.autoRepro.durationMs > 0);
  assert.equal(off.autoRepro, undefined, 'autoRepro: false');
  assert.match(r.stderr, /auto-repro: auto-repro crash probed\/[^\n]*: rerunning with probes at /);
  for (const c of cells) if (c.detailFile) rmSync(join(c.detailFile, '..', '..'), { recursive: true, force: true });
});
