/**
 * Auto-repro: after a scheduler crash, the same cell again with probes on the crash's call chain.
 *
 * 1. The chain comes from the first run's exit dump (call-chain.ts); its struct_ops callbacks and
 *    kernel functions are the sites, typed with the kernel's BTF (probe-sites.ts).
 * 2. The cell runs again with the probe loader as its scheduler command (probe-scheduler.ts):
 *    the same topology, the same scheduler and arguments, the same test body.
 * 3. The loader's report, printed when the scheduler's exit fires its trigger, is decoded into
 *    the calls each site saw before the exit, oldest first (probe-output.ts).
 *
 * The rerun is a second VM with its own time, reported apart from the cell's (`durationMs`);
 * whatever the rerun does, the first run's failure stands: auto-repro only adds to it.
 */
import { performance } from 'node:perf_hooks';
import { resolveSchedulerBinary } from '../api/declare-scheduler.js';
import { fixtureDir } from '../fixture.js';
import { readElfBtf } from '../monitor/btf/load.js';
import { BtfError } from '../monitor/btf/btf-error.js';
import type { Btf } from '../monitor/btf/btf.js';
import type { SchedulerExit } from '../result/cell-result.js';
import type { CellPlan } from '../runner/cell-vm.js';
import { SchedulerExitError } from '../runner/cell-vm.js';
import { TestVm } from '../runner/test-vm.js';
import type { AutoReproReport } from './auto-repro-report.js';
import { chainSites, schedulerExitChain } from './call-chain.js';
import { decodeProbeOutput, parseProbeOutput } from './probe-output.js';
import { ensureProbeLoader } from './probe-loader.js';
import { probeScheduler } from './probe-scheduler.js';
import { probeSiteArgs, typeSites } from './probe-sites.js';

export interface RerunInput {
  /** The crashed cell's plan. */
  readonly plan: CellPlan;
  /** Its scheduler exit (the one with the exit dump). */
  readonly exit: SchedulerExit;
  /** The test body, run again on the rerun's VM. */
  readonly body: (vm: TestVm) => Promise<unknown>;
  /** Longest the rerun may take, boot included; it is torn down after that. */
  readonly timeoutMs: number;
  readonly log?: (line: string) => void;
}

/** Runs auto-repro for one crashed cell; never throws (a failure is a report with status 'failed'). */
export async function reproduceCrash(input: RerunInput): Promise<AutoReproReport> {
  const started = performance.now();
  const log = input.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const elapsed = () => Math.round(performance.now() - started);
  const frames = schedulerExitChain(input.exit);
  const chain = frames.map((f) => f.line);
  const fail = (status: AutoReproReport['status'], reason: string, more: Partial<AutoReproReport> = {}): AutoReproReport => {
    log(`auto-repro: ${input.plan.name}: ${status}: ${reason}`);
    return { status, reason, chain, sites: [], calls: [], ...more, durationMs: elapsed() };
  };
  try {
    const sched = input.plan.scheduler;
    if (!sched) return fail('failed', 'the cell has no sched_ext scheduler');
    if (frames.length === 0) return fail('no-sites', 'the exit dump has no backtrace (a clean exit, or no exit dump from the kernel or the loader)');
    const vmlinuxPath = input.plan.kernel.vmlinux;
    if (!vmlinuxPath) return fail('failed', `kernel ${input.plan.kernel.label} has no vmlinux with BTF to type the call sites`);
    const vmlinux: Btf | BtfError = readElfBtf(vmlinuxPath);
    if (vmlinux instanceof BtfError) return fail('failed', `the kernel's BTF: ${vmlinux.message}`);
    const sites = typeSites(vmlinux, chainSites(frames));
    const siteArgs = probeSiteArgs(sites);
    if (siteArgs.length === 0) return fail('no-sites', 'no function on the call chain can be probed');
    const loader = ensureProbeLoader(vmlinuxPath, log);
    const wrapped = probeScheduler(sched, resolveSchedulerBinary(sched, [fixtureDir()]), loader, siteArgs);
    log(`auto-repro: ${input.plan.name}: rerunning with probes at ${sites.filter((s) => !s.skip).map((s) => s.site.name).join(', ')}`);
    const vm = new TestVm({
      ...input.plan,
      name: `${input.plan.name}#auto-repro`,
      scheduler: wrapped.scheduler,
      includeFiles: [...(input.plan.includeFiles ?? []), ...wrapped.includeFiles],
      // A post-attach snapshot holds the scheduler without the probes.
      freshAttach: true,
      monitor: undefined,
    });
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    let thrown: unknown;
    try {
      await Promise.race([
        input.body(vm).catch((e: unknown) => { thrown = e; }),
        new Promise<void>((resolve) => {
          timer = setTimeout(() => { timedOut = true; resolve(); }, input.timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      await vm.destroy();
    }
    if (timedOut) return fail('failed', `the rerun took longer than ${Math.round(input.timeoutMs / 1000)} s and was stopped`);
    const exit = thrown instanceof SchedulerExitError ? thrown.result.schedulerExit : vm.lastResult?.schedulerExit ?? null;
    if (exit === null) {
      const why = thrown instanceof Error ? `the rerun failed otherwise: ${thrown.message.split('\n')[0]}` : 'the scheduler did not exit in the rerun';
      return fail('not-reproduced', why);
    }
    const out = parseProbeOutput(exit.output);
    const decoded = decodeProbeOutput(vmlinux, sites, out);
    if (!out.reported) {
      const notes = out.notes.length ? ` (loader: ${out.notes.slice(-3).join('; ')})` : '';
      return fail('not-reproduced', `the scheduler exited (${exit.reason}) but the probes' trigger did not fire${notes}`, { ...decoded, rerunReason: exit.reason });
    }
    const report: AutoReproReport = { status: 'captured', chain, ...decoded, rerunReason: exit.reason, durationMs: elapsed() };
    log(`auto-repro: ${input.plan.name}: ${report.calls.length} calls at ${report.sites.filter((s) => s.calls.length > 0).length} of ${report.sites.length} sites, in ${Math.round(report.durationMs / 100) / 10} s`);
    return report;
  } catch (e) {
    return fail('failed', e instanceof Error ? e.message.split('\n')[0]! : String(e));
  }
}
