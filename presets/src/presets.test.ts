import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS, presetsFor, findPreset } from './index.js';

test('24 presets on x86_64 and 14 on aarch64, names unique', () => {
  assert.equal(presetsFor('x86_64').length, 24);
  assert.equal(presetsFor('aarch64').length, 14);
  assert.equal(new Set(PRESETS.map((p) => p.name)).size, PRESETS.length);
});

test('aarch64 presets have no SMT; every shape splits its LLCs evenly over its nodes', () => {
  assert.ok(presetsFor('aarch64').every((p) => p.topology.threadsPerCore === 1));
  for (const p of PRESETS) assert.equal(p.topology.llcs % p.topology.numaNodes, 0, p.name);
});

test('shapes are what their names promise', () => {
  assert.deepEqual(findPreset('smt-2llc')?.topology, { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 2 });
  const cpus = (n: string) => {
    const t = findPreset(n)!.topology;
    return t.llcs * t.coresPerLlc * t.threadsPerCore;
  };
  assert.equal(cpus('max-cpu'), 252);
  assert.equal(cpus('max-cpu-nosmt'), 252);
  assert.equal(cpus('near-max-llc'), 240);
  assert.equal(findPreset('numa4-12llc')?.topology.numaNodes, 4);
});
