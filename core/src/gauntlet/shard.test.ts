import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseShard, partition } from './shard.js';

function cells(seed: number, n: number) {
  let x = seed;
  const next = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  return Array.from({ length: n }, (_, i) => ({ name: `cell-${i}`, estimateMs: 1000 + Math.floor(next() * 50_000) }));
}

test('shards are disjoint, complete, deterministic and balanced (300 random cases)', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const list = cells(seed, 1 + (seed % 40));
    const count = 1 + (seed % 7);
    const parts = partition(list, count);
    assert.equal(parts.length, count);
    const names = parts.flat().map((c) => c.name);
    assert.equal(new Set(names).size, names.length, 'disjoint');
    assert.deepEqual([...names].sort(), list.map((c) => c.name).sort(), 'complete');
    // Same input in another order: the same partition.
    assert.deepEqual(partition([...list].reverse(), count).map((p) => p.map((c) => c.name).sort()), parts.map((p) => p.map((c) => c.name).sort()));
    // Longest-first onto the least loaded shard: no shard exceeds another by more than its longest cell.
    const loads = parts.map((p) => p.reduce((s, c) => s + c.estimateMs, 0));
    const longest = Math.max(...list.map((c) => c.estimateMs));
    assert.ok(Math.max(...loads) - Math.min(...loads) <= longest, `seed ${seed}: ${loads}`);
  }
});

test('parseShard takes K/N with 1 <= K <= N', () => {
  assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
  for (const bad of ['0/2', '3/2', '1', 'a/b', '1/0']) assert.throws(() => parseShard(bad), /--shard: is not K\/N/);
});
