// The host's validator and the guest agent's parser enforce the same rules: every cell the
// host encodes for the catalog must be accepted by `ktstr-guest --check-cell` (which parses
// and plays the scenario on paper without running anything). Skipped when the agent is not built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeArtifacts } from '@ktstr/native';
import { PRESETS } from '@ktstr/presets';
import { totalCpus } from '../topology/topology.js';
import { catalogEntries } from './catalog/index.js';
import { encodeScenarioCell } from './encode.js';
import { unmetRequirement, validateScenario } from './validate.js';

const agent = nativeArtifacts.guestAgent;
const skip = !existsSync(agent) ? `${agent} is not built` : false;

test('the guest agent accepts every catalog cell on the smallest and largest preset it allows', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-cells-'));
  try {
    // A private copy: the agent may be rebuilt while this runs.
    const bin = join(dir, 'ktstr-guest');
    copyFileSync(agent, bin);
    const probe = spawnSync(bin, ['--check-cell', '/dev/null'], { encoding: 'utf8' });
    if (probe.error) return;
    const failures: string[] = [];
    for (const e of catalogEntries()) {
      const allowed = PRESETS.filter((p) => !unmetRequirement(e.requires, p.topology)).sort((a, b) => totalCpus(a.topology) - totalCpus(b.topology));
      for (const p of new Set([allowed[0]!, allowed[allowed.length - 1]!])) {
        const file = join(dir, 'cell.conf');
        writeFileSync(file, encodeScenarioCell(validateScenario(e.build(), p.topology), { scheduler: { guestPath: '/bin/s', args: ['-v'] }, schedTimeoutMs: 20000 }));
        const r = spawnSync(bin, ['--check-cell', file], { encoding: 'utf8' });
        if (r.status !== 0) failures.push(`${e.id} on ${p.name}: ${(r.stdout + r.stderr).trim()}`);
      }
    }
    assert.deepEqual(failures, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
