import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS, presetsFor } from '@ktstr/presets';
import { KtstrError } from '../errors.js';
import { totalCpus } from '../topology/topology.js';
import { DEFAULT_GATES, gateFailure, gateProblems, presetPasses, presetsPassing, resolveGates } from './gates.js';

test('without gates every preset passes, on both architectures', () => {
  assert.equal(presetsPassing({}, 'x86_64').length, 24);
  assert.equal(presetsPassing({}, 'aarch64').length, 14);
  assert.deepEqual(resolveGates({}), DEFAULT_GATES);
});

test('each gate filters the full preset table exactly by its rule', () => {
  const cases: [Parameters<typeof presetsPassing>[0], (p: (typeof PRESETS)[number]) => boolean][] = [
    [{ minLlcs: 4 }, (p) => p.topology.llcs >= 4],
    [{ maxLlcs: 3 }, (p) => p.topology.llcs <= 3],
    [{ minCpus: 32 }, (p) => totalCpus(p.topology) >= 32],
    [{ maxCpus: 16 }, (p) => totalCpus(p.topology) <= 16],
    [{ minNumaNodes: 2 }, (p) => p.topology.numaNodes >= 2],
    [{ maxNumaNodes: 1 }, (p) => p.topology.numaNodes <= 1],
    [{ requiresSmt: true }, (p) => p.topology.threadsPerCore > 1],
    [{ minLlcs: 2, maxCpus: 16, requiresSmt: true }, (p) => p.topology.llcs >= 2 && totalCpus(p.topology) <= 16 && p.topology.threadsPerCore > 1],
  ];
  for (const [gates, rule] of cases) {
    for (const arch of ['x86_64', 'aarch64'] as const) {
      const expected = presetsFor(arch).filter(rule).map((p) => p.name);
      if (expected.length === 0) {
        assert.throws(() => presetsPassing(gates, arch), KtstrError, JSON.stringify(gates));
        continue;
      }
      assert.deepEqual(presetsPassing(gates, arch).map((p) => p.name), expected, `${arch} ${JSON.stringify(gates)}`);
      for (const p of presetsFor(arch)) assert.equal(presetPasses(p, gates), rule(p));
    }
  }
});

test('SMT is x86_64 only, so requiresSmt on aarch64 is an error, not zero cells', () => {
  assert.throws(() => presetsPassing({ requiresSmt: true }, 'aarch64'), /no aarch64 preset passes these gates \(requiresSmt: true\)/);
  const [problem] = gateProblems({ requiresSmt: true }, 'ktstrTest("t")', 'aarch64');
  assert.equal(problem?.field, 'ktstrTest("t")');
});

test('invalid values, contradictions and both perf modes are each reported with field and remedy', () => {
  const problems = gateProblems({ minLlcs: 0, maxCpus: 2.5, requiresSmt: 'yes' as unknown as boolean }, 'ktstrTest("t")');
  assert.deepEqual(problems.map((p) => p.field), ['ktstrTest("t").minLlcs', 'ktstrTest("t").maxCpus', 'ktstrTest("t").requiresSmt']);
  const contra = gateProblems({ minNumaNodes: 4, maxNumaNodes: 2 }, 'w');
  assert.equal(contra.length, 1);
  assert.match(contra[0]!.message, /minNumaNodes: is above maxNumaNodes \(2\).*Lower minNumaNodes or raise maxNumaNodes/);
  const perf = gateProblems({ performanceMode: true, noPerfMode: true }, 'w');
  assert.equal(perf.length, 1);
  assert.equal(perf[0]!.field, 'w.noPerfMode');
  assert.match(perf[0]!.remedy, /Keep one/);
  assert.deepEqual(gateProblems({ performanceMode: true }, 'w'), []);
  assert.deepEqual(gateProblems({ minLlcs: 2, maxLlcs: 8 }, 'w'), []);
});

test('gateFailure names the first failing gate', () => {
  const t = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };
  assert.equal(gateFailure(t, { minLlcs: 3 }), '2 LLCs < minLlcs 3');
  assert.equal(gateFailure(t, { maxCpus: 3 }), '4 CPUs > maxCpus 3');
  assert.equal(gateFailure(t, { requiresSmt: true }), 'no SMT, but requiresSmt');
  assert.equal(gateFailure(t, { minLlcs: 2, maxCpus: 4 }), undefined);
});
