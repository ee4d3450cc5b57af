/**
 * A test body's expectations as data, for a runfile that judges a run where there is no Node.
 * The body runs on the host against a stand-in result whose `expect` records each assertion
 * (`r.expect.inStep('x').noStall().gapBelowMs(50)`) instead of evaluating it; cpuset specs are
 * resolved to CPU numbers on the exported topology, as the cell resolves them. The runfile
 * evaluates the checks it knows (RUNFILE_CHECKS) with the same definitions as
 * core/src/result/expect.ts; the others are listed as left to `ktstr export --verify`.
 */
import type { Topology } from '../topology/topology.js';
import { type CpusetSpec, resolveCpuset } from '../scenario/cpuset.js';
import { cpusetLabel } from '../result/cpuset-label.js';

export interface RecordedCheck {
  check: string;
  step?: string;
  cgroup?: string;
  /** Numbers as given; a ranOnlyOn cpuset resolved to CPU numbers. */
  args: (number | string | number[])[];
  /** How the test wrote it, for messages. */
  text: string;
}

/** The checks a runfile evaluates on the target, with the same meaning as expect.ts. */
export const RUNFILE_CHECKS = new Set([
  'noStall', 'gapBelowMs', 'spreadBelow', 'iterationsAtLeast', 'everyWorkerIterationsAtLeast',
  'migrationsBelow', 'migrationsAtLeast', 'migrationRatioBelow', 'wakeLatencyBelowUs',
  'minorFaultsAtLeast', 'voluntarySwitchesAtLeast', 'ranOnlyOn', 'ranOnlyOnItsCpuset',
]);

const arg = (v: unknown): string => (Array.isArray(v) ? `[${v.join(',')}]` : typeof v === 'object' && v !== null ? cpusetLabel(v as CpusetSpec) : JSON.stringify(v));

/** A stand-in for `CellResult.expect` that appends every assertion to `out`. */
export function recordingExpectation(out: RecordedCheck[], topology: Topology, scope: { step?: string; cgroup?: string } = {}): unknown {
  const prefix = [scope.step !== undefined ? `inStep(${JSON.stringify(scope.step)})` : '', scope.cgroup !== undefined ? `inCgroup(${JSON.stringify(scope.cgroup)})` : '']
    .filter(Boolean).map((s) => `.${s}`).join('');
  const self: unknown = new Proxy({}, {
    get(_t, name) {
      if (typeof name !== 'string' || name === 'then') return undefined;
      if (name === 'inCgroup') return (cgroup: string) => recordingExpectation(out, topology, { ...scope, cgroup });
      if (name === 'inStep') return (step: string) => recordingExpectation(out, topology, { ...scope, step });
      return (...given: unknown[]) => {
        const text = `expect${prefix}.${name}(${given.map(arg).join(', ')})`;
        const args = given.map((v, i) => {
          if (name === 'ranOnlyOn' && i === 0 && !Array.isArray(v)) return resolveCpuset(v as CpusetSpec, topology, `ranOnlyOn(${cpusetLabel(v as CpusetSpec)})`);
          return v as number | string | number[];
        });
        out.push({ check: name, ...(scope.step !== undefined ? { step: scope.step } : {}), ...(scope.cgroup !== undefined ? { cgroup: scope.cgroup } : {}), args, text });
        return self;
      };
    },
  });
  return self;
}

/** None of scenario names and cgroup names contain it, so it marks "no scope". */
const NONE = '*';

/**
 * The runfile's checks file: a header line, then one check per line, `CHECK name step cgroup arg1 arg2`, with `*`
 * for no scope and CPU lists as `1,2,3` (`none` for empty); then `CPUSET step cgroup cpus`
 * lines, the cpuset each cgroup has in each step (for ranOnlyOnItsCpuset).
 */
export function checksFile(checks: readonly RecordedCheck[], cpusets: readonly { step: string; cgroups: Record<string, { cpus: readonly number[] }> }[]): string {
  const cpuList = (c: readonly number[]) => (c.length ? c.join(',') : 'none');
  const lines = ['KTSTR-CHECKS 1'];
  lines.push(...checks.filter((c) => RUNFILE_CHECKS.has(c.check)).map((c) => {
    const args = c.args.map((a) => (Array.isArray(a) ? cpuList(a) : String(a)));
    return ['CHECK', c.check, c.step ?? NONE, c.cgroup ?? NONE, ...args].join(' ');
  }));
  for (const s of cpusets) {
    for (const [name, c] of Object.entries(s.cgroups)) lines.push(['CPUSET', s.step, name, cpuList(c.cpus)].join(' '));
  }
  return lines.map((l) => `${l}\n`).join('');
}
