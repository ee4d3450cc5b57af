/**
 * `ktstr show-thresholds TEST`: what judges a test. A ktstrTest declares no metric thresholds
 * of its own today (its assertions are written in its body: `r.expect.gapBelowMs(50)`), and a
 * scheduler declaration none either; so what a test resolves to is the compare defaults, with
 * the test's gates and duration that decide where and how long its cells run.
 */
import { GATE_FIELDS, type TestGates } from '../gauntlet/gates.js';
import type { DeclaredTest } from '../gauntlet/plan.js';
import { METRIC_DEFAULTS, type MetricDefault } from './metric-defaults.js';

export interface TestThresholds {
  test: string;
  file: string | null;
  scheduler: string;
  durationMs: number;
  gates: TestGates;
  /** Thresholds declared by the scheduler and the test; empty until declarations can carry them. */
  declared: Record<string, never>;
  /** What `ktstr stats compare` judges the test's cells by. */
  compare: readonly MetricDefault[];
}

/** The test named `name`, or undefined (the caller suggests the nearest name). */
export function testThresholds(tests: readonly DeclaredTest[], name: string): TestThresholds | undefined {
  const t = tests.find((x) => x.name === name);
  if (!t) return undefined;
  const gates: TestGates = {};
  for (const k of GATE_FIELDS) if (t[k] !== undefined) (gates as Record<string, unknown>)[k] = t[k];
  return { test: t.name, file: t.file ?? null, scheduler: t.scheduler?.name ?? 'eevdf', durationMs: t.durationMs, gates, declared: {}, compare: METRIC_DEFAULTS };
}
