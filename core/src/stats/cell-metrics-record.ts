/**
 * The measurements a cell's record carries into `ktstr test --json`: the run's, each cgroup's
 * and each step's metrics, without the per-worker samples and the timeline (they stay in the
 * CellResult the test body gets; a results document of a gauntlet must stay small).
 */
import { waitPercent } from '../host/process-cpu-time.js';
import type { CellResult } from '../result/cell-result.js';
import type { CellMetricsRecord, HostMetricsRecord, MonitorMetricsRecord } from './run-results.js';

export function cellMetricsRecord(result: CellResult): CellMetricsRecord {
  return {
    run: result.metrics,
    cgroups: Object.fromEntries(Object.entries(result.cgroups).map(([name, c]) => [name, c.metrics])),
    steps: result.steps.map((s) => ({ name: s.name, metrics: s.metrics, cgroups: s.cgroups })),
    ...monitorFields(result),
    ...hostFields(result),
  };
}

/** Only when the monitor read something: a cell without it has no monitor numbers, not zeros. */
function monitorFields(result: CellResult): { monitor?: MonitorMetricsRecord } {
  const m = result.monitor?.metrics;
  if (!m) return {};
  return { monitor: { maxDsqDepth: m.maxDsqDepth, stallCount: m.stallCount, fallbackEvents: m.fallbackEvents, keepLastEvents: m.keepLastEvents } };
}

/**
 * Only when QEMU's CPU time was read: the acceleration the VM ran under, the CPU time, and the
 * iterations per second of it, which is what a comparison judges under TCG (docs/stats.md,
 * "Noise"); with the wait for a host CPU, how contended the host was (compare holds back pairs
 * whose sides differ in it, "Host contention").
 */
function hostFields(result: CellResult): { host?: HostMetricsRecord } {
  const vmCpuMs = result.vmCpuMs;
  if (vmCpuMs === undefined) return {};
  const accel = result.accel.split(' ')[0] === 'kvm' ? 'kvm' : 'tcg';
  const vmWaitMs = result.vmWaitMs;
  const wait = vmWaitMs === undefined ? {} : { vmWaitMs, hostWaitPercent: waitPercent({ cpuMs: vmCpuMs, waitMs: vmWaitMs }) };
  return { host: { accel, vmCpuMs, iterationsPerVmCpuS: iterationsPerVmCpuS(result.metrics.totalIterations, vmCpuMs), ...wait } };
}

/** Work per second of QEMU's CPU time; null when no CPU time was measured. */
export function iterationsPerVmCpuS(totalIterations: number, vmCpuMs: number): number | null {
  return vmCpuMs > 0 && Number.isFinite(totalIterations) ? (totalIterations / vmCpuMs) * 1000 : null;
}
