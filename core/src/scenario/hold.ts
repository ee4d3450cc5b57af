/**
 * How long a step holds after its ops: a fraction of the test's duration, fixed milliseconds,
 * or either of those with the step's ops re-applied every `everyMs` (looped).
 */
import { KtstrError } from '../errors.js';

export type BaseHold = { kind: 'fraction'; fraction: number } | { kind: 'fixed'; ms: number };
export type HoldSpec = BaseHold | { kind: 'looped'; hold: BaseHold; everyMs: number };

export const hold = {
  /** `fraction` of the test's durationMs. */
  fraction: (fraction: number): BaseHold => ({ kind: 'fraction', fraction }),
  /** Exactly `ms` milliseconds. */
  fixed: (ms: number): BaseHold => ({ kind: 'fixed', ms }),
  /** Hold `h`, re-applying the step's ops every `everyMs` during it. */
  looped: (h: BaseHold, everyMs: number): HoldSpec => ({ kind: 'looped', hold: h, everyMs }),
};

const MAX_MS = 86_400_000;

/** The hold in whole ms (1..86400000) and the loop period if any. */
export function resolveHold(h: HoldSpec, testDurationMs: number, field = 'hold'): { holdMs: number; loopMs?: number } {
  if (typeof h !== 'object' || h === null) throw new KtstrError(field, h, 'is not a hold', 'Use hold.fraction(f), hold.fixed(ms) or hold.looped(h, everyMs).');
  if (h.kind === 'looped') {
    const inner = resolveHold(h.hold, testDurationMs, `${field}.hold`);
    if (!Number.isInteger(h.everyMs) || h.everyMs < 1 || h.everyMs > inner.holdMs) {
      throw new KtstrError(`${field}.everyMs`, h.everyMs, `must be a whole number of ms from 1 to the hold (${inner.holdMs})`, 'E.g. hold.looped(hold.fixed(1000), 100).');
    }
    return { holdMs: inner.holdMs, loopMs: h.everyMs };
  }
  const ms = h.kind === 'fixed' ? h.ms : h.kind === 'fraction' ? h.fraction * testDurationMs : NaN;
  const badFraction = h.kind === 'fraction' && !(h.fraction > 0 && h.fraction <= 10);
  if (!Number.isFinite(ms) || Math.round(ms) < 1 || Math.round(ms) > MAX_MS || badFraction) {
    throw new KtstrError(field, h, 'is not a duration from 1 ms to 24 h', 'Use hold.fraction(0 < f <= 10) or hold.fixed(1..86400000).');
  }
  return { holdMs: Math.round(ms) };
}

/** Kept for callers of the one-step API. */
export function holdMs(h: HoldSpec, testDurationMs: number, field = 'hold'): number {
  return resolveHold(h, testDurationMs, field).holdMs;
}
