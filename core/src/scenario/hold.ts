/** How long a scenario's workers run: a fraction of the test's duration, or fixed milliseconds. */
import { KtstrError } from '../errors.js';

export type HoldSpec = { kind: 'fraction'; fraction: number } | { kind: 'fixed'; ms: number };

export const hold = {
  fraction: (fraction: number): HoldSpec => ({ kind: 'fraction', fraction }),
  fixed: (ms: number): HoldSpec => ({ kind: 'fixed', ms }),
};

export function holdMs(h: HoldSpec, testDurationMs: number, field = 'hold'): number {
  const ms = h.kind === 'fixed' ? h.ms : h.fraction * testDurationMs;
  if (!Number.isFinite(ms) || ms <= 0 || (h.kind === 'fraction' && (h.fraction <= 0 || h.fraction > 10))) {
    throw new KtstrError(field, h, 'is not a positive duration', 'Use hold.fraction(0 < f <= 10) or hold.fixed(ms > 0).');
  }
  return Math.round(ms);
}
