/**
 * `ktstr show-thresholds TEST`: what judges a test. Its assertion thresholds — its scheduler's
 * declared `thresholds` with the test's own over them key by key (api/thresholds.ts), each with
 * where it came from and the assertion it bounds — and the compare defaults its cells are judged
 * by across runs, with the test's gates and duration that decide where and how long its cells run.
 */
import { GATE_FIELDS, type TestGates } from '../gauntlet/gates.js';
import type { DeclaredTest } from '../gauntlet/plan.js';
import { resolveAssertThresholds, type ResolvedThreshold } from '../api/thresholds.js';
import { METRIC_DEFAULTS, type MetricDefault } from './metric-defaults.js';

export interface TestThresholds {
  test: string;
  file: string | null;
  scheduler: string;
  durationMs: number;
  gates: TestGates;
  /** The assertion thresholds the scheduler and the test declare, resolved; empty when neither declares any. */
  declared: ResolvedThreshold[];
  /** What `ktstr stats compare` judges the test's cells by. */
  compare: readonly MetricDefault[];
}

/** The test named `name`, or undefined (the caller suggests the nearest name). */
export function testThresholds(tests: readonly DeclaredTest[], name: string): TestThresholds | undefined {
  const t = tests.find((x) => x.name === name);
  if (!t) return undefined;
  const gates: TestGates = {};
  for (const k of GATE_FIELDS) if (t[k] !== undefined) (gates as Record<string, unknown>)[k] = t[k];
  const declared = resolveAssertThresholds(t.schedulerDecl?.thresholds, t.thresholds);
  return { test: t.name, file: t.file ?? null, scheduler: t.scheduler?.name ?? 'eevdf', durationMs: t.durationMs, gates, declared, compare: METRIC_DEFAULTS };
}
