// Property-style: many random cell sets, checked against what a budget selection must satisfy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type BudgetCandidate, selectWithinBudget } from './budget.js';
import { seededRandom } from '../scenario/affinity.js';

function randomCells(r: () => number): BudgetCandidate[] {
  const n = 1 + Math.floor(r() * 30);
  const pool = Array.from({ length: 12 }, (_, i) => `f${i}`);
  return Array.from({ length: n }, (_, i) => ({
    name: `c${i}`,
    estimateMs: 1000 + Math.floor(r() * 60_000),
    features: pool.filter(() => r() < 0.25),
  }));
}

test('never exceeds the budget, and every selected cell added coverage when taken (500 random cases)', () => {
  for (let seed = 1; seed <= 500; seed++) {
    const r = seededRandom(seed);
    const cells = randomCells(r);
    const budget = Math.floor(r() * 200_000);
    const sel = selectWithinBudget(cells, budget);
    const chosen = sel.decisions.filter((d) => d.selected).map((d) => cells.find((c) => c.name === d.name)!);
    const total = chosen.reduce((s, c) => s + c.estimateMs, 0);
    assert.ok(total <= budget, `seed ${seed}: ${total} > ${budget}`);
    assert.equal(sel.totalMs, total);
    assert.equal(sel.covered, new Set(chosen.flatMap((c) => c.features)).size);
    // Maximality: every left-out cell either adds nothing or does not fit in what is left.
    const covered = new Set(chosen.flatMap((c) => c.features));
    for (const c of cells) {
      if (chosen.includes(c)) continue;
      const adds = c.features.some((f) => !covered.has(f));
      assert.ok(!adds || total + c.estimateMs > budget, `seed ${seed}: ${c.name} fits and adds coverage but was left out`);
    }
  }
});

test('prefers new coverage: a cheap cell repeating covered features loses to one bringing new ones', () => {
  const cells = [
    { name: 'base', estimateMs: 4_000, features: ['a', 'b'] },
    { name: 'repeat', estimateMs: 3_000, features: ['a'] },
    { name: 'new', estimateMs: 4_000, features: ['c'] },
  ];
  const sel = selectWithinBudget(cells, 8_000);
  assert.deepEqual(sel.decisions.filter((d) => d.selected).map((d) => d.name), ['base', 'new']);
  assert.equal(sel.decisions.find((d) => d.name === 'repeat')!.reason, 'budget: adds no coverage');
});

test('ranks by coverage per second: two cheap cells beat one expensive cell with the same features', () => {
  const cells = [
    { name: 'big', estimateMs: 30_000, features: ['a', 'b'] },
    { name: 'a', estimateMs: 5_000, features: ['a'] },
    { name: 'b', estimateMs: 5_000, features: ['b'] },
  ];
  assert.deepEqual(selectWithinBudget(cells, 30_000).decisions.filter((d) => d.selected).map((d) => d.name), ['a', 'b']);
});

test('a budget too small for any cell selects nothing and says why', () => {
  const sel = selectWithinBudget([{ name: 'x', estimateMs: 5000, features: ['a'] }], 1000);
  assert.deepEqual(sel.decisions, [{ name: 'x', selected: false, reason: 'budget: 5.0 s does not fit' }]);
});
