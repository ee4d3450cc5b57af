/**
 * Sharding (`--shard K/N`): splits the selected cells over N CI jobs, deterministically and
 * balanced by estimated duration. Longest cell first onto the least loaded shard (ties: the
 * lower shard index; equal estimates: name order), so every shard computes the same partition
 * from the same inputs. The inputs must be machine-independent: the runner balances by the
 * model estimate when sharding, since recorded durations differ between CI machines and would
 * make two shards disagree about who runs a cell.
 */
import { KtstrError } from '../errors.js';

export interface Shard {
  /** 1-based, as written on the command line. */
  index: number;
  count: number;
}

export function parseShard(text: string, field = '--shard'): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new KtstrError(field, text, 'is not K/N with 1 <= K <= N', 'E.g. --shard 2/4 runs the second of four shards.');
  }
  return { index, count };
}

export function shardLabel(s: Shard): string {
  return `${s.index}/${s.count}`;
}

/** For each shard (0-based), the names of its cells. */
export function partition<T extends { name: string; estimateMs: number }>(cells: readonly T[], count: number): T[][] {
  const shards: T[][] = Array.from({ length: count }, () => []);
  const load = new Array<number>(count).fill(0);
  const ordered = [...cells].sort((a, b) => b.estimateMs - a.estimateMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const c of ordered) {
    let target = 0;
    for (let i = 1; i < count; i++) if (load[i]! < load[target]!) target = i;
    shards[target]!.push(c);
    load[target]! += c.estimateMs;
  }
  return shards;
}
