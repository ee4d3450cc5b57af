import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS } from '@ktstr/presets';
import { unmetRequirement, validateScenario } from '../validate.js';
import { encodeScenarioCell } from '../encode.js';
import { catalogEntries, findScenario, SCENARIO_GROUPS, scenarios } from './index.js';

test('the catalog has at least 50 scenarios in the 8 groups, each described', () => {
  const all = catalogEntries();
  assert.ok(all.length >= 50, `${all.length} scenarios`);
  assert.deepEqual([...new Set(all.map((e) => e.group))], [...SCENARIO_GROUPS]);
  for (const g of SCENARIO_GROUPS) assert.ok(all.filter((e) => e.group === g).length >= 5, `group ${g}`);
  assert.equal(new Set(all.map((e) => e.id)).size, all.length);
  for (const e of all) {
    assert.match(e.id, /^[a-z]+\/[a-z0-9-]+$/);
    assert.ok(e.description.length > 10 && !e.description.includes('\n'), e.id);
  }
});

test('every scenario validates and encodes on every preset its requires allows', () => {
  assert.equal(PRESETS.length, 24);
  let checked = 0;
  for (const e of catalogEntries()) {
    const allowed = PRESETS.filter((p) => !unmetRequirement(e.requires, p.topology));
    assert.ok(allowed.length > 0, `${e.id} runs nowhere`);
    for (const p of allowed) {
      const r = validateScenario(e.build(), p.topology, { durationMs: 2000 });
      assert.ok(encodeScenarioCell(r, { schedTimeoutMs: 0 }).startsWith('ktstr-cell 2\n'));
      checked++;
    }
    for (const p of PRESETS.filter((x) => !allowed.includes(x))) {
      assert.throws(() => validateScenario(e.build(), p.topology), /requires\./, `${e.id} on ${p.name} must be gated`);
    }
  }
  assert.ok(checked > 50 * 20);
});

test('scenarios are called like functions and take options', () => {
  const s = scenarios.cpuset.disjoint({ workers: 3 });
  assert.equal(s.name, 'cpuset/disjoint');
  assert.equal(s.cgroups[0]!.workers, 3);
  assert.equal(scenarios.affinity.randomSubset({ seed: 9 }).seed, 9);
  assert.equal(findScenario('dynamic/shuffle')?.build().steps.length, 3);
  assert.equal(findScenario('nope/nothing'), undefined);
});

test('the catalog uses at least 30 of the work types', () => {
  const types = new Set(catalogEntries().flatMap((e) => e.build().cgroups.flatMap((c) => (c.work ? [c.work.type] : []))));
  assert.ok(types.size >= 30, `${types.size} work types: ${[...types].join(' ')}`);
});
