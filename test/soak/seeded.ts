/** The soak's random choices, all from one printed seed: the same seed replays the same soak. */
import { seededRandom } from '../../core/src/scenario/affinity.js';

export interface Dice {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
}

export function dice(seed: number): Dice {
  const next = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return { next, int, pick: (items) => items[int(0, items.length - 1)]! };
}
