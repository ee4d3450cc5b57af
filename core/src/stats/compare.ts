/**
 * `ktstr stats compare`: pairs the cells of side A with those of side B and judges each
 * metric of each pair with the dual gate (dual-gate.ts).
 *
 * Pairing: a cell is identified by its dimensions (stored-cell.ts). The dimensions on which
 * the sides have no value in common — the kernel when comparing kernels, the scheduler's hash
 * when comparing builds, the commit when comparing revisions — are what the comparison is
 * about, so they are left out of the key; every other dimension must match. Cells of one side
 * with the same key (replicas) are averaged, and the spread of their values is shown, unless
 * `average` is false, which refuses them instead. Only passed cells enter the math: a failed
 * or skipped cell has no trustworthy numbers; they are counted per side.
 */
import { KtstrError } from '../errors.js';
import { dualGate, type Verdict } from './dual-gate.js';
import { benjaminiHochberg } from './false-discovery.js';
import { HOST_WAIT_TOLERANCE_POINTS, hostContention, type HostContention } from './host-contention.js';
import { welchTest } from './welch-test.js';
import type { ThresholdTable } from './compare-policy.js';
import { CELL_DIMENSIONS, type CellDimension, type StoredCell } from './stored-cell.js';

export interface MetricComparison {
  metric: string;
  /** Mean over the side's replicas; null when none has the value. */
  a: number | null;
  b: number | null;
  /** max − min over the side's replicas (0 with one). */
  aSpread: number;
  bSpread: number;
  /** [min, max] over the side's replicas; null when none has the value. */
  aRange: [number, number] | null;
  bRange: [number, number] | null;
  delta: number | null;
  relativePercent: number | null;
  /**
   * 'unjudged': shown, never a regression: a metric without thresholds (not in
   * metric-defaults.ts), the throughput measure this pair is not judged by, or any metric of a
   * pair whose sides' host contention differed (`note` says why).
   */
  verdict: Verdict | 'unjudged';
  /**
   * Why a metric with thresholds was left unjudged: the throughput rule (`ComparedPair.throughput`),
   * or host contention that differed between the sides (`ComparedPair.hostContention`).
   */
  note?: string;
  /**
   * Welch's two-sided p-value of the sides' replicas (welch-test.ts): null without two replicas
   * on each side, for a metric not judged, and with the noise gate off.
   */
  pValue: number | null;
  /**
   * The means crossed both gates, but the replicas do not show the change beyond their own noise
   * (the noise gate: not a discovery among the comparison's tests, `compareCells`): judged
   * 'unchanged', and marked so a reader sees what was held back.
   */
  withinNoise?: true;
}

export interface ComparedPair {
  /** The pairing key's values (the dimensions A and B share). */
  key: Partial<Record<CellDimension, string | null>>;
  label: string;
  /** Passed cells averaged on each side. */
  aCells: number;
  bCells: number;
  metrics: MetricComparison[];
  regressed: boolean;
  /**
   * How contended the host was for each side's VMs (mean `hostWaitPercent` of its cells; null
   * when a cell lacks it) and whether the pair was judged: when the sides differ by more than
   * the tolerance, every metric is left unjudged (`hostContention`).
   */
  hostContention: HostContention;
  /**
   * Which measure of throughput this pair's verdict rests on: `iterationsPerVmCpuS` when every
   * cell on both sides ran under TCG and has it, `totalIterations` otherwise (`tcgThroughput`).
   */
  throughput: { judgedBy: 'totalIterations' | 'iterationsPerVmCpuS'; why: string };
}

export interface SideCounts {
  passed: number;
  failed: number;
  skipped: number;
  /** Passed cells whose key the other side lacks. */
  unpaired: number;
}

export interface Comparison {
  /** Dimensions on which A and B share no value: what this comparison compares. */
  differing: CellDimension[];
  pairs: ComparedPair[];
  a: SideCounts;
  b: SideCounts;
  /** Labels of keys only one side has (passed cells). */
  onlyA: string[];
  onlyB: string[];
  regressions: number;
  improvements: number;
  coverageDifferences: number;
  /** Changes whose means crossed both gates but were not told from the replicas' noise (noise gate), either way. */
  withinNoise: number;
  /** The noise gate's false discovery rate (null with the gate off). */
  falseDiscoveryRate: number | null;
  /** Pairs not judged because the host was more contended for one side's VMs than the other's. */
  contendedPairs: number;
  /**
   * 0 no regression, 1 a regression, 2 nothing could be paired, 3 no regression among the pairs
   * judged but some pairs could not be judged (host contention differed): run again.
   */
  exitCode: 0 | 1 | 2 | 3;
}

/** Thresholds no change crosses: an unknown metric's delta is shown, never judged. */
const UNJUDGED = { worse: 'higher', absolute: Infinity, relativePercent: Infinity } as const;

const dimValue = (c: StoredCell, d: CellDimension): string => String(c[d] ?? '');

/** Dimensions on which the two sides have no value in common. */
export function differingDimensions(a: readonly StoredCell[], b: readonly StoredCell[]): CellDimension[] {
  if (a.length === 0 || b.length === 0) return [];
  return CELL_DIMENSIONS.filter((d) => {
    const va = new Set(a.map((c) => dimValue(c, d)));
    return !b.some((c) => va.has(dimValue(c, d)));
  });
}

function labelOf(c: StoredCell, kept: readonly CellDimension[]): string {
  const parts = [c.test, c.preset];
  if (kept.includes('kernel')) parts.push(c.kernel);
  const extra: string[] = [];
  if (c.scenario) extra.push(`scenario ${c.scenario}`);
  return `${parts.join('/')}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

interface Group {
  key: string;
  first: StoredCell;
  cells: StoredCell[];
}

function groupPassed(cells: readonly StoredCell[], kept: readonly CellDimension[], side: string, average: boolean): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const c of cells) {
    if (c.status !== 'passed') continue;
    let key = '';
    for (const d of kept) key += `${c[d] ?? '\u0001'}\u0000`;
    const g = groups.get(key);
    if (g) g.cells.push(c);
    else groups.set(key, { key, first: c, cells: [c] });
  }
  if (!average) {
    const dup = [...groups.values()].find((g) => g.cells.length > 1);
    if (dup) {
      throw new KtstrError('--no-average', `${side}: ${labelOf(dup.first, kept)}`,
        `has ${dup.cells.length} cells (${dup.cells.map((c) => `${c.run}:${c.name}`).join(', ')}) where one was expected`,
        'Drop --no-average to average replicas, or narrow the side with --filter, --kernel or --scheduler.');
    }
  }
  return groups;
}

interface SideValues {
  mean: number | null;
  spread: number;
  range: [number, number] | null;
  values: number[];
}

function meanAndSpread(cells: readonly StoredCell[], metric: string): SideValues {
  const values: number[] = [];
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const c of cells) {
    const v = c.metrics[metric];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    values.push(v);
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return values.length === 0 ? { mean: null, spread: 0, range: null, values } : { mean: sum / values.length, spread: max - min, range: [min, max], values };
}

export const TCG_JUDGED_NOTE = 'under TCG judged per VM CPU second (iterationsPerVmCpuS)';
export const KVM_OR_UNKNOWN_NOTE = 'judged only when both sides ran under TCG';

/**
 * Under TCG one host thread runs every vCPU, so the guest's work per wall second is set by how
 * much host CPU QEMU got, which moves with the host's load between runs: a third fewer
 * iterations in every replica of a run on a busy host, which no gate over replicas can tell
 * from a slower scheduler. Work per second of QEMU's own CPU time does not move with that load,
 * so it is judged instead, but only when every cell of the pair ran under TCG and measured it.
 * Under KVM each vCPU has a host thread and a scheduler that leaves CPUs idle spends less CPU
 * time for less work: dividing by CPU time would hide exactly that, so there totalIterations
 * is judged (as it is for runs stored before the CPU time was).
 */
function tcgThroughput(cells: readonly StoredCell[]): boolean {
  return cells.every((c) => c.accel === 'tcg' && typeof c.metrics.iterationsPerVmCpuS === 'number' && Number.isFinite(c.metrics.iterationsPerVmCpuS));
}

function counts(cells: readonly StoredCell[]): SideCounts {
  const n = (s: string) => cells.filter((c) => c.status === s).length;
  return { passed: n('passed'), failed: n('failed'), skipped: n('skipped'), unpaired: 0 };
}

/** Default of `falseDiscoveryRate`: at most this chance that a comparison of unchanged runs flags anything. */
export const FALSE_DISCOVERY_RATE = 0.05;

/**
 * `noiseGate` (default on): with replicas on both sides, a change whose means cross both
 * thresholds is a regression (or an improvement) only when the replicas tell it from their own
 * noise. Each judged metric of each pair is a test (Welch's t, welch-test.ts), and the
 * comparison's tests together go through Benjamini–Hochberg at `falseDiscoveryRate`
 * (false-discovery.ts): a crossing change stands only as a discovery. Under TCG replicas of one
 * cell spread by 30–100 %; three of them fall all above the other side's three by chance once
 * in twenty, and a comparison makes dozens of such tests, so "every B replica past every A
 * replica" still flagged a few metrics in most comparisons of unchanged runs. Without replicas on
 * a side there is nothing to judge by, and the dual gate on the means alone decides.
 *
 * The gates answer "is it big enough to matter" (thresholds) and "is it really there" (the
 * test); both must say yes. More replicas (`ktstr test --repeat 5`) make smaller changes
 * discoverable.
 */
export function compareCells(a: readonly StoredCell[], b: readonly StoredCell[], thresholds: ThresholdTable,
  opts: { average?: boolean; noiseGate?: boolean; falseDiscoveryRate?: number; hostWaitTolerance?: number } = {}): Comparison {
  const average = opts.average ?? true;
  const noiseGate = opts.noiseGate ?? true;
  const fdr = opts.falseDiscoveryRate ?? FALSE_DISCOVERY_RATE;
  const tolerance = opts.hostWaitTolerance ?? HOST_WAIT_TOLERANCE_POINTS;
  const differing = differingDimensions(a, b);
  const kept = CELL_DIMENSIONS.filter((d) => !differing.includes(d));
  const ga = groupPassed(a, kept, 'A', average);
  const gb = groupPassed(b, kept, 'B', average);
  // Judged metrics first, in the defaults' order; then any other metric the cells carry.
  const seen = new Set<string>();
  for (const side of [a, b]) for (const c of side) for (const k in c.metrics) seen.add(k);
  const metrics = [...Object.keys(thresholds).filter((k) => seen.has(k)), ...[...seen].filter((k) => !(k in thresholds)).sort()];
  const judged = metrics.map((m) => thresholds[m]);
  const pairs: ComparedPair[] = [];
  let contendedPairs = 0;
  // Every judged row of every pair, for the noise gate's one family of tests.
  const rows: MetricComparison[] = [];
  for (const [key, x] of ga) {
    const y = gb.get(key);
    if (!y) continue;
    const row: MetricComparison[] = [];
    const perVmCpu = tcgThroughput(x.cells) && tcgThroughput(y.cells);
    const contention = hostContention(x.cells, y.cells, tolerance);
    if (!contention.judged) contendedPairs++;
    // The throughput measure this pair is not judged by: shown, with why.
    const [unjudgedThroughput, note] = perVmCpu ? ['totalIterations', TCG_JUDGED_NOTE] : ['iterationsPerVmCpuS', KVM_OR_UNKNOWN_NOTE];
    for (let i = 0; i < metrics.length; i++) {
      const m = metrics[i]!;
      const sa = meanAndSpread(x.cells, m);
      const sb = meanAndSpread(y.cells, m);
      const heldNote = judged[i] === undefined ? undefined : !contention.judged ? contention.why : m === unjudgedThroughput ? note : undefined;
      const t = heldNote ? undefined : judged[i];
      const g = dualGate(sa.mean, sb.mean, t ?? UNJUDGED);
      const verdict: MetricComparison['verdict'] = t || g.verdict === 'coverage' ? g.verdict : 'unjudged';
      const tested = noiseGate && t !== undefined && verdict !== 'coverage' ? welchTest(sa.values, sb.values) : null;
      row.push({
        metric: m, a: sa.mean, b: sb.mean, aSpread: sa.spread, bSpread: sb.spread, aRange: sa.range, bRange: sb.range,
        delta: g.delta, relativePercent: g.relativePercent, verdict, pValue: tested?.p ?? null, ...(heldNote ? { note: heldNote } : {}),
      });
    }
    rows.push(...row);
    pairs.push({
      key: Object.fromEntries(kept.map((d) => [d, x.first[d] ?? null])),
      label: labelOf(x.first, kept),
      aCells: x.cells.length,
      bCells: y.cells.length,
      metrics: row,
      regressed: false,
      hostContention: contention,
      throughput: perVmCpu
        ? { judgedBy: 'iterationsPerVmCpuS', why: 'every cell of both sides ran under TCG and measured QEMU\'s CPU time' }
        : { judgedBy: 'totalIterations', why: 'not every cell of both sides ran under TCG with QEMU\'s CPU time measured (KVM, or a run stored before it was)' },
    });
  }
  // The noise gate: a crossing change with a test stands only as a discovery among all tests.
  const discovered = benjaminiHochberg(rows.map((r) => r.pValue), fdr);
  let withinNoise = 0;
  rows.forEach((r, i) => {
    if ((r.verdict === 'regressed' || r.verdict === 'improved') && r.pValue !== null && !discovered[i]) {
      r.verdict = 'unchanged';
      r.withinNoise = true;
      withinNoise++;
    }
  });
  for (const p of pairs) p.regressed = p.metrics.some((r) => r.verdict === 'regressed');
  const count = (v: MetricComparison['verdict']) => rows.filter((r) => r.verdict === v).length;
  const regressions = count('regressed');
  const improvements = count('improved');
  const coverageDifferences = count('coverage');
  pairs.sort((p, q) => (p.label < q.label ? -1 : p.label > q.label ? 1 : 0));
  const onlyA = [...ga.keys()].filter((k) => !gb.has(k)).map((k) => labelOf(ga.get(k)!.first, kept)).sort();
  const onlyB = [...gb.keys()].filter((k) => !ga.has(k)).map((k) => labelOf(gb.get(k)!.first, kept)).sort();
  const ca = { ...counts(a), unpaired: onlyA.length };
  const cb = { ...counts(b), unpaired: onlyB.length };
  return {
    differing, pairs, a: ca, b: cb, onlyA, onlyB, regressions, improvements, coverageDifferences, withinNoise,
    falseDiscoveryRate: noiseGate ? fdr : null, contendedPairs,
    exitCode: pairs.length === 0 ? 2 : regressions > 0 ? 1 : contendedPairs > 0 ? 3 : 0,
  };
}
