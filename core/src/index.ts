/**
 * @ktstr/core: the test-authoring API and the engine behind it.
 */
export { declareScheduler, type SchedulerDecl, type SchedulerOptions } from './api/declare-scheduler.js';
export { ktstrTest, type KtstrTestOptions, type KtstrTestBody, DEFAULT_TOPOLOGY, vmUnavailableReason } from './api/ktstr-test.js';
export {
  cgroup, cpuset, hold, work, affinity, policy, op, scenario, step, validateScenario, encodeScenarioCell, unmetRequirement,
  WORK_TYPES, WORK_TYPE_INFO, workTypeInfo, resolveCpuset, resolveAffinity, topologyName,
  type CgroupDef, type CpusetSpec, type HoldSpec, type WorkSpec, type WorkType, type WorkTypeInfo, type AffinityIntent, type SchedPolicy,
  type Op, type Scenario, type Step, type ScenarioRequires, type ResolvedScenario, type CloneMode,
} from './scenario/index.js';
export { scenarios, catalogEntries, catalogMarkdown, findScenario, SCENARIO_GROUPS, type CatalogEntry, type ScenarioGroup } from './scenario/catalog/index.js';
export { runNamedScenario, type RunNamedOptions, type RunNamedResult } from './scenario/run-named.js';
export { checkConfigPairing, configArgs, type ConfigFileDecl } from './api/config-pairing.js';
export { CellVm, type CellPlan, type RunOptions, type CommandSpec, type CommandResult, SchedulerExitError, CellError, defaultMemoryMiB } from './runner/cell-vm.js';
export { spareCounters, spareSettled, discardSpare } from './runner/spare-vm.js';
export { CellResult, type SchedulerExit } from './result/cell-result.js';
export { ExpectationError } from './result/expect.js';
export type { CellMetrics, WorkerResult, WorkerSample } from './result/metrics.js';
export { analyzeMessages, type CgroupResult, type StepResult, type ScenarioAnalysis } from './result/scenario-analysis.js';
export type { TimelineEvent, TimelineKind } from './result/timeline.js';
export { Expectation } from './result/expect.js';
export { type Topology, validateTopology, totalCpus, topologyLabel, topologyLayout } from './topology/topology.js';
export { parseTopologyArg } from './topology/topology-arg.js';
export { parseCpulist, formatCpulist } from './topology/cpulist.js';
export { KtstrError } from './errors.js';
export { SCX_KTSTR, fixtureDir, guestAgentPath } from './fixture.js';
export { resolveKernel, type ResolvedKernel } from './kernel/resolve.js';
export { fetchKernel, listCachedKernels, findCachedKernel, cleanKernels, type CachedKernel } from './kernel/kernel-cache.js';
export { missingKernelConfig } from './kernel/config-check.js';
export { chooseAccel } from './vm/accel.js';
export { QemuVm, QEMU_BINARY } from './vm/qemu-backend.js';
export { reapStaleRamFiles, runAllTeardowns } from './vm/teardown.js';
export { cleanBaseImages, baseImage } from './initramfs/guest-image.js';
export { listSnapshots, cleanSnapshots, snapshotsDir, type SnapshotMeta } from './snapshot/snapshot-store.js';
export { cacheRoot } from './paths.js';
export { listLocks, describeHolder, withLock, acquireLock, type LockStatus } from './locks/index.js';
export { observeTopology, compareTopology, type GuestCpu, type ObservedTopology } from './topology/guest-check.js';
