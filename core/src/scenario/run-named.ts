/**
 * `ktstr test --scenario group/name`: one canned scenario as one cell. Every decision (which
 * scenario, topology, scheduler and kernel; whether the topology meets the scenario's
 * requirements; whether the run passed) is made here, so the CLI only parses and prints.
 */
import { basename } from 'node:path';
import { PRESETS } from '@ktstr/presets';
import { KtstrError } from '../errors.js';
import { declareScheduler, type SchedulerDecl } from '../api/declare-scheduler.js';
import { DEFAULT_TOPOLOGY } from '../api/ktstr-test.js';
import { SCX_KTSTR } from '../fixture.js';
import { resolveKernel } from '../kernel/resolve.js';
import type { GuestArch } from '../vm/guest-arch.js';
import type { CellResult } from '../result/cell-result.js';
import { CellVm } from '../runner/cell-vm.js';
import { type Topology, topologyLabel } from '../topology/topology.js';
import { parseTopologyArg } from '../topology/topology-arg.js';
import { catalogEntries, findScenario } from './catalog/index.js';
import { unmetRequirement, validateScenario } from './validate.js';

export interface RunNamedOptions {
  /** `group/name` of a canned scenario. */
  scenario: string;
  /** A preset name or topology spec; default the scheduler's topology, else 1n2l2c1t. */
  topology?: string;
  kernel?: string;
  /** The guest architecture; default x86_64 (an aarch64 run boots Debian's arm64 kernel, docs/aarch64.md). */
  arch?: GuestArch;
  /** `eevdf` (default), `scx-ktstr` (the fixture scheduler), or a path to a scheduler binary. */
  scheduler?: string;
  /** What hold.fraction(1) means; default 2000 ms. */
  durationMs?: number;
  log?: (line: string) => void;
}

export interface RunNamedResult {
  id: string;
  result: CellResult;
  /** The default verdict: the scheduler stayed attached and every worker made progress. */
  ok: boolean;
  problem?: string;
  /** The scheduler it ran (undefined: the kernel's own), so a stored run can record which build. */
  scheduler?: SchedulerDecl;
}

export function schedulerFromArg(arg: string | undefined): SchedulerDecl | undefined {
  if (arg === undefined || arg === 'eevdf') return undefined;
  if (arg === 'scx-ktstr') return SCX_KTSTR;
  if (!arg.includes('/')) {
    throw new KtstrError('--scheduler', arg, 'is not eevdf, scx-ktstr or a path', 'Give eevdf, scx-ktstr, or a path to a scheduler binary (e.g. ./scx_simple).');
  }
  return declareScheduler({ name: basename(arg).replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64) || 'scheduler', binary: arg });
}

/** Checks everything that can be checked without a VM; returns what the run needs. */
export function planNamedRun(o: RunNamedOptions): { id: string; topology: Topology; scheduler: SchedulerDecl | undefined; durationMs: number } {
  const entry = findScenario(o.scenario);
  if (!entry) {
    const near = catalogEntries().filter((e) => e.name === o.scenario || e.id.includes(o.scenario)).map((e) => e.id);
    throw new KtstrError('--scenario', o.scenario, 'is not a canned scenario',
      near.length ? `Did you mean ${near.slice(0, 5).join(', ')}?` : 'See `ktstr scenarios --list` for group/name of each.');
  }
  const scheduler = schedulerFromArg(o.scheduler);
  const topology = o.topology ? parseTopologyArg(o.topology) : (scheduler?.topology ?? DEFAULT_TOPOLOGY);
  const unmet = unmetRequirement(entry.requires, topology);
  if (unmet) {
    const fits = PRESETS.filter((p) => !unmetRequirement(entry.requires, p.topology)).map((p) => p.name);
    throw new KtstrError('--topology', o.topology ?? topologyLabel(topology), `does not suit ${entry.id}: ${unmet.problem}`,
      `Use --topology with one of: ${fits.slice(0, 6).join(', ')}${fits.length > 6 ? ', ...' : ''}.`);
  }
  const durationMs = o.durationMs ?? 2000;
  validateScenario(entry.build(), topology, { durationMs });
  return { id: entry.id, topology, scheduler, durationMs };
}

export async function runNamedScenario(o: RunNamedOptions): Promise<RunNamedResult> {
  const plan = planNamedRun(o);
  const entry = findScenario(plan.id)!;
  const kernel = await resolveKernel(o.kernel, o.log, o.arch);
  const vm = await CellVm.boot({
    name: `${plan.id}/${topologyLabel(plan.topology)}/${kernel.label}`,
    kernel,
    topology: plan.topology,
    scheduler: plan.scheduler,
    durationMs: plan.durationMs,
  });
  try {
    const result = await vm.runScenario(entry.build(), { allowSchedulerExit: true });
    try {
      result.expect.noStall();
      return { id: plan.id, result, ok: true, ...(plan.scheduler ? { scheduler: plan.scheduler } : {}) };
    } catch (e) {
      return { id: plan.id, result, ok: false, problem: (e as Error).message, ...(plan.scheduler ? { scheduler: plan.scheduler } : {}) };
    }
  } finally {
    await vm.destroy();
  }
}
