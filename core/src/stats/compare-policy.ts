/**
 * The thresholds one comparison uses: the defaults of metric-defaults.ts, with the relative
 * thresholds replaced by `--threshold PCT` or by a policy file:
 *
 *     { "defaultPercent": 15, "perMetricPercent": { "worstGapMs": 80 } }
 *
 * `defaultPercent` replaces every metric's relative threshold, `perMetricPercent` single ones
 * (winning over `defaultPercent`). Absolute thresholds stay: they are what keeps small values'
 * noise out, whatever relative change a project tolerates.
 */
import { readFileSync } from 'node:fs';
import { KtstrError } from '../errors.js';
import { closest } from '../suggest.js';
import type { Thresholds } from './dual-gate.js';
import { METRIC_DEFAULTS, METRIC_KEYS } from './metric-defaults.js';

export interface ComparePolicy {
  defaultPercent?: number;
  perMetricPercent?: Record<string, number>;
}

export type ThresholdTable = Record<string, Thresholds>;

function percent(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new KtstrError(field, v, 'must be a number of percent >= 0', 'E.g. 25 for 25 %.');
  }
  return v;
}

/** Checks a parsed policy; `source` names the file in errors. */
export function checkPolicy(raw: unknown, source: string): ComparePolicy {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new KtstrError(source, raw, 'is not a policy object', 'Write {"defaultPercent": 20, "perMetricPercent": {"worstGapMs": 50}}.');
  }
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k !== 'defaultPercent' && k !== 'perMetricPercent') {
      throw new KtstrError(`${source}: ${k}`, o[k], 'is not a policy field', 'Use defaultPercent and perMetricPercent.');
    }
  }
  const out: ComparePolicy = {};
  if (o.defaultPercent !== undefined) out.defaultPercent = percent(o.defaultPercent, `${source}: defaultPercent`);
  if (o.perMetricPercent !== undefined) {
    const per = o.perMetricPercent;
    if (typeof per !== 'object' || per === null || Array.isArray(per)) {
      throw new KtstrError(`${source}: perMetricPercent`, per, 'is not an object', 'Map metric names to percents: {"worstGapMs": 50}.');
    }
    out.perMetricPercent = {};
    for (const [k, v] of Object.entries(per)) {
      if (!METRIC_KEYS.includes(k)) {
        const near = closest(k, METRIC_KEYS);
        throw new KtstrError(`${source}: perMetricPercent.${k}`, k, 'is not a known metric',
          `${near ? `Did you mean ${near}? ` : ''}Use one of: ${METRIC_KEYS.join(', ')}.`);
      }
      out.perMetricPercent[k] = percent(v, `${source}: perMetricPercent.${k}`);
    }
  }
  return out;
}

export function readPolicyFile(path: string): ComparePolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new KtstrError('--policy', path, `cannot be read as JSON (${(e as Error).message})`, 'Give a JSON file with defaultPercent and/or perMetricPercent.');
  }
  return checkPolicy(raw, path);
}

/** The thresholds of every known metric after `--threshold` or a policy. */
export function resolveThresholds(opts: { thresholdPercent?: number; policy?: ComparePolicy } = {}): ThresholdTable {
  if (opts.thresholdPercent !== undefined && opts.policy !== undefined) {
    throw new KtstrError('--threshold', opts.thresholdPercent, 'cannot be combined with --policy',
      'Put the percent in the policy file as defaultPercent, or drop --policy.');
  }
  if (opts.thresholdPercent !== undefined) percent(opts.thresholdPercent, '--threshold');
  const table: ThresholdTable = {};
  for (const m of METRIC_DEFAULTS) {
    const rel = opts.thresholdPercent ?? opts.policy?.perMetricPercent?.[m.key] ?? opts.policy?.defaultPercent ?? m.relativePercent;
    table[m.key] = { worse: m.worse, absolute: m.absolute, relativePercent: rel };
  }
  return table;
}
