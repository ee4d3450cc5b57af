/**
 * `ktstrTest(name, options, body)`: declares a test that runs as one node:test test per cell.
 * The body runs on the host with a booted VM; it sends a scenario with `vm.run(...)` and asserts
 * on the result. Works under `ktstr test` and under a plain `node --test` alike.
 */
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { KtstrError } from '../errors.js';
import type { SchedulerDecl } from './declare-scheduler.js';
import { type Topology, topologyLabel, validateTopology } from '../topology/topology.js';
import { CellVm } from '../runner/cell-vm.js';
import { type ResolvedKernel, resolveKernel } from '../kernel/resolve.js';
import { QEMU_BINARY } from '../vm/qemu-backend.js';
import { parseTopologyArg } from '../topology/topology-arg.js';
import { checkConfigPairing } from './config-pairing.js';

export interface KtstrTestOptions {
  /** Omit to run under the kernel's default scheduler (EEVDF). */
  scheduler?: SchedulerDecl;
  /** Default: the scheduler's topology, else 1 node x 2 LLCs x 2 cores. */
  topology?: Topology;
  /** What `hold.fraction(1)` means, in ms. */
  durationMs?: number;
  /** Appended to the scheduler's own schedArgs for this test. */
  extraSchedArgs?: string[];
  memoryMiB?: number;
  /** Per-cell time limit of the node:test test. */
  timeoutMs?: number;
  /** The config file content for a scheduler declared with configFile (JSON, or a string as is). */
  config?: unknown;
}

export type KtstrTestBody = (vm: CellVm) => Promise<void>;

export const DEFAULT_TOPOLOGY: Topology = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };
const DEFAULT_DURATION_MS = 2000;

let kernelOnce: Promise<ResolvedKernel> | undefined;
function sharedKernel(): Promise<ResolvedKernel> {
  kernelOnce ??= resolveKernel(process.env.KTSTR_KERNEL, (line) => process.stderr.write(`ktstr: ${line}\n`));
  return kernelOnce;
}

/** Why this machine cannot run VM cells at all, or undefined when it can. */
export function vmUnavailableReason(): string | undefined {
  const r = spawnSync(QEMU_BINARY, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `${QEMU_BINARY} is not runnable here (${r.error?.message ?? r.stderr.trim()}); run npm run bootstrap`;
  return undefined;
}

export function cellTopology(options: KtstrTestOptions, where: string): Topology {
  const fromEnv = process.env.KTSTR_TOPOLOGY;
  if (fromEnv) return parseTopologyArg(fromEnv, 'KTSTR_TOPOLOGY');
  if (options.topology) return validateTopology(options.topology, `${where}.topology`);
  return options.scheduler?.topology ?? DEFAULT_TOPOLOGY;
}

export function ktstrTest(name: string, options: KtstrTestOptions, body: KtstrTestBody): void {
  const where = `ktstrTest(${JSON.stringify(name)})`;
  if (typeof body !== 'function') throw new KtstrError(`${where}.body`, body, 'is not a function', 'Pass async (vm) => { ... } as the third argument.');
  const durationMs = options.durationMs ?? DEFAULT_DURATION_MS;
  if (!Number.isInteger(durationMs) || durationMs <= 0) {
    throw new KtstrError(`${where}.durationMs`, durationMs, 'must be a whole number of ms > 0', 'E.g. durationMs: 2000.');
  }
  checkConfigPairing(options.scheduler, options.config, where);
  const topology = cellTopology(options, where);
  const cellLabel = `${name} [${options.scheduler?.name ?? 'eevdf'}/${topologyLabel(topology)}]`;
  const unavailable = vmUnavailableReason();
  test(cellLabel, { timeout: options.timeoutMs ?? durationMs + 300_000, skip: unavailable ?? false }, async () => {
    const kernel = await sharedKernel();
    const vm = await CellVm.boot({
      name: `${name}/${topologyLabel(topology)}/${kernel.label}`,
      kernel,
      topology,
      scheduler: options.scheduler,
      extraSchedArgs: options.extraSchedArgs,
      durationMs,
      memoryMiB: options.memoryMiB,
      config: options.config,
    });
    try {
      await body(vm);
    } finally {
      await vm.destroy();
    }
  });
}
