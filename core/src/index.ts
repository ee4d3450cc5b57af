/**
 * @ktstr/core: the test-authoring API and the engine behind it.
 */
export { declareScheduler, type SchedulerDecl, type SchedulerOptions } from './api/declare-scheduler.js';
export { ktstrTest, declareTest, type KtstrTestOptions, type KtstrTestBody, DEFAULT_TOPOLOGY, vmUnavailableReason } from './api/ktstr-test.js';
export {
  cgroup, cpuset, hold, work, affinity, policy, op, scenario, step, validateScenario, encodeScenarioCell, unmetRequirement,
  WORK_TYPES, WORK_TYPE_INFO, workTypeInfo, resolveCpuset, resolveAffinity, topologyName, oneStepScenario,
  type CgroupDef, type CpusetSpec, type HoldSpec, type WorkSpec, type WorkType, type WorkTypeInfo, type AffinityIntent, type SchedPolicy,
  type Op, type Scenario, type Step, type ScenarioRequires, type ResolvedScenario, type CloneMode,
} from './scenario/index.js';
export { scenarios, catalogEntries, catalogMarkdown, findScenario, SCENARIO_GROUPS, type CatalogEntry, type ScenarioGroup } from './scenario/catalog/index.js';
export { runNamedScenario, type RunNamedOptions, type RunNamedResult } from './scenario/run-named.js';
export { checkConfigPairing, configArgs, type ConfigFileDecl } from './api/config-pairing.js';
export { CellVm, type CellPlan, type RunOptions, type CommandSpec, type CommandResult, SchedulerExitError, CellError, defaultMemoryMiB } from './runner/cell-vm.js';
export { findExitDump, parseExitDump, buildFailureDump, collectFailureDump, readSchedulerMaps, renderFailureDump, bugSummaryLine, writeFailureDump, failureDumpFileName, TERMINAL_LIMITS, NO_LIMITS, FAILURE_DUMP_VERSION, type FailureDump, type FailureKind, type AutoReproSection, type ExitDump, type MapDump, type MapsSnapshot } from './failure-dump/index.js';
export { TestVm } from './runner/test-vm.js';
export { spareCounters, spareSettled, discardSpare } from './runner/spare-vm.js';
export { recordCellTimeline, stopCellTimeline, type CellMark } from './vm/cell-timeline.js';
export { CellResult, type SchedulerExit } from './result/cell-result.js';
export { ExpectationError } from './result/expect.js';
export type { CellMetrics, WorkerResult, WorkerSample } from './result/metrics.js';
export { analyzeMessages, type CgroupResult, type StepResult, type ScenarioAnalysis } from './result/scenario-analysis.js';
export type { TimelineEvent, TimelineKind } from './result/timeline.js';
export { Expectation } from './result/expect.js';
export type { StepCpusets, CgroupCpuset } from './result/step-cpusets.js';
export { ScenarioDoesNotFitError, isScenarioDoesNotFit, SCENARIO_DOES_NOT_FIT } from './scenario/does-not-fit.js';
export { probeScenario, type ProbeVerdict } from './gauntlet/scenario-probe.js';
export { declaredBody } from './gauntlet/registry.js';
export { type Topology, validateTopology, totalCpus, topologyLabel, topologyLayout } from './topology/topology.js';
export { parseTopologyArg } from './topology/topology-arg.js';
export { parseCpulist, formatCpulist } from './topology/cpulist.js';
export { KtstrError } from './errors.js';
export { SCX_KTSTR, fixtureDir, guestAgentPath } from './fixture.js';
export { BUILTIN_MODULE, BUILTIN_SCHEDULERS, type BuiltinScheduler } from './builtin-declarations.js';
export { resolveKernel, type ResolvedKernel } from './kernel/resolve.js';
export { fetchKernel, listCachedKernels, findCachedKernel, cleanKernels, type CachedKernel } from './kernel/kernel-cache.js';
export { installFromRemote, pushEntry as pushKernelEntry, remoteStoresFromEnv } from './kernel/remote-cache/remote-cache.js';
export { PRIMARY_SUITE, SECONDARY_SUITES } from './kernel/kernel-suites.js';
export { missingKernelConfig } from './kernel/config-check.js';
export { buildKernel, type KernelBuildOptions, type KernelBuildResult } from './kernel/build/build-kernel.js';
export { chooseAccel } from './vm/accel.js';
export { QemuVm, QEMU_BINARY } from './vm/qemu-backend.js';
export { type GuestArch, GUEST_ARCHES, parseGuestArch, qemuBinaryFor, accelFor, archUnavailableReason } from './vm/guest-arch.js';
export { fetchArm64Kernel } from './kernel/arm64-kernel.js';
export { reapStaleRamFiles, reapStaleVmDirs, reapStaleVmFiles, runAllTeardowns } from './vm/teardown.js';
export { unfinishedCells, notStartedCells, endedAbnormally, howTestProcessEnded, type PlannedCell } from './stats/unfinished-cells.js';
export { cleanBaseImages, baseImage } from './initramfs/guest-image.js';
export { includePaths } from './initramfs/include-paths.js';
export { exportTest, verifyExport, type ExportedRunfile } from './export/export-test.js';
export { checkKernelImage, kernelImageKind } from './kernel/image-check.js';
export { listSnapshots, cleanSnapshots, snapshotsDir, type SnapshotMeta } from './snapshot/snapshot-store.js';
export { boundSnapshotStore, parseSize, storeLimitBytes } from './snapshot/store-bound.js';
export { cacheRoot } from './paths.js';
export { listLocks, describeHolder, withLock, acquireLock, type LockStatus } from './locks/index.js';
export { observeTopology, compareTopology, compareHmat, type GuestCpu, type GuestNode, type ObservedTopology } from './topology/guest-check.js';
export { expectedAccess0, hmatEntries, type HmatEntry, type NodeAccess, LOCAL_DISTANCE, REMOTE_DISTANCE } from './topology/hmat.js';
export {
  type TestGates, type PerfModeOptions, type ResolvedGates, DEFAULT_GATES, GATE_FIELDS,
  gateProblems, checkGates, resolveGates, gateFailure, topologyPasses, presetPasses, presetsPassing,
} from './gauntlet/gates.js';
export {
  type GauntletTest, type GauntletCell, type ExpandOptions, type ExcludedTopology, type TestExpansion,
  BASELINE_SCHEDULER, cellName, shapeName, compileFilter, expandTest, expandGauntlet,
} from './gauntlet/expand.js';
export { type DeclaredTest, type PlanEntry, type PlanMode, type PlanOptions, type RunPlan, planRun, planMode, budgetFromEnv, jobEntries } from './gauntlet/plan.js';
export { selectWithinBudget, type BudgetCandidate, type BudgetSelection } from './gauntlet/budget.js';
export { partition, parseShard, shardLabel, type Shard } from './gauntlet/shard.js';
export { cellFeatures, topologyClass } from './gauntlet/coverage.js';
export { estimateCell, modelEstimateMs, MODEL as ESTIMATE_MODEL } from './gauntlet/estimate.js';
export { readDurations, recordDuration, durationsPath, type DurationStore } from './gauntlet/durations.js';
export { discoverTests } from './gauntlet/discover.js';
export type { DiscoveryResult } from './gauntlet/discover-main.js';
export { writeJobPlan, type JobPlan } from './gauntlet/plan-file.js';
export { readHostTopology, type HostTopology, type HostLlc } from './host/host-topology.js';
export { hostSkipReason, noPerfModeFromEnv, TCG_MAX_VCPUS, tcgMaxVcpus } from './host/capability.js';
export { planCpus, resolveCpuCap, defaultCpuCap, DEFAULT_CPU_SHARE, type CpuPlan } from './host/cpu-budget.js';
export { pinToCpuBudget, vmCpus, observerCpus } from './host/process-pinning.js';
export { THRESHOLD_FIELDS, resolveAssertThresholds, validateThresholds, type AssertThresholds, type ResolvedThreshold, type ThresholdKey } from './api/thresholds.js';
export { hostArch } from './host/arch.js';
export { reserveCpus, cpuLockPath, llcLockPath, type CpuReservation, type ReserveOptions } from './locks/index.js';
export { type CellRecord, type CellStatus, type RunResults, type CellEvent, type CellMetricsRecord, type CellTiming, type MonitorMetricsRecord, appendCellEvent, readCellEvents, resultsFromEvents } from './stats/run-results.js';
export { mergeRuns, summarise, type SummaryRow } from './stats/merge.js';
export { buildCoverageReport, guestDirOf, v8DirOf, type CoverageReport } from './coverage/coverage-report.js';
export { COVERAGE_DIR_ENV, GUEST_COVERAGE_DIR, fixtureCoverageBinary } from './coverage/guest-coverage.js';
export { formatLcov, mergeTracefiles, parseLcov, summarizeTracefile, type FileSummary, type Tracefile } from './coverage/lcov.js';
// Temporal assertions over sample series (docs/monitor.md); the monitor's sampling loop feeds them.
export * from './monitor/temporal/index.js';
// The run store and comparisons of runs (docs/stats.md).
export { type StoredCell, type CellDimension, CELL_DIMENSIONS } from './stats/stored-cell.js';
export { METRIC_DEFAULTS, METRIC_KEYS, metricDefault, type MetricDefault } from './stats/metric-defaults.js';
export { dualGate, type Thresholds, type Verdict, type GateResult } from './stats/dual-gate.js';
export { checkPolicy, readPolicyFile, resolveThresholds, type ComparePolicy, type ThresholdTable } from './stats/compare-policy.js';
export { verdictMark } from './stats/verdict-mark.js';
export { compareCells, FALSE_DISCOVERY_RATE, differingDimensions, type Comparison, type ComparedPair, type MetricComparison, type SideCounts } from './stats/compare.js';
export { HOST_WAIT_TOLERANCE_POINTS, type HostContention } from './stats/host-contention.js';
export { selectSides, filterCells, kernelMatches, type CellFilter, type SideOptions } from './stats/compare-sides.js';
export { runsDirFrom, newRunId, startRun, storeRun, listRuns, resolveRun, readRunMeta, readRunCells, readRunResults, cleanRuns, writeCellsParquet, readCellsParquet, storedCellOf, type RunMeta, type StoreRunOptions } from './stats/run-store.js';
export { projectCommit } from './stats/git-commit.js';
export { withReplicas, replicaName, cellNameOfEntry } from './gauntlet/replicas.js';
export { testThresholds, type TestThresholds } from './stats/test-thresholds.js';
// BTF of a vmlinux or a BPF object: types, member offsets, global variables (docs/monitor.md).
export * as btf from './monitor/btf/index.js';
export { scenarioCellRecord, storeScenarioRun } from './stats/scenario-run.js';
// One self-contained HTML page of a stored run (docs/stats.md, "Report").
export * from './report/index.js';
// BPF maps and programs read from guest memory, and the verifier report (docs/monitor.md).
export * as bpf from './monitor/bpf/index.js';
export * from './verifier/index.js';
// Kernel state read from guest memory through the kernel's BTF (docs/monitor.md, "Kernel state").
export { KernelProgram } from './monitor/program.js';
export { KObject, typeIdOf, typeName, type Scalar } from './monitor/object.js';
export { kernelBtf, forgetKernelBtf } from './monitor/kernel-btf.js';
export { readRunqueue, runqueue, type Runqueue } from './monitor/helpers/rq.js';
export { readTask, type TaskIdentity } from './monitor/helpers/task.js';
export { readSchedDomains, spanOffset, MAX_DOMAIN_LEVELS, type SchedDomain } from './monitor/helpers/sched-domain.js';
export { cpumaskCpus, cpumaskHex, readCpumask } from './monitor/helpers/cpumask.js';
export { readSchedstat, schedstatsEnabled, parseProcSchedstat, type Schedstat, type ProcSchedstatCpu } from './monitor/helpers/schedstat.js';
export { readSchedExtState, readEvents, eventLayout, scxRoot, readWatchdogTimeout, writeWatchdogTimeout, watchdogSource,
  type SchedExtState, type SchedExtEvents, type EventLayout, type WatchdogSource } from './monitor/helpers/sched-ext.js';
export { Unavailable, isUnavailable } from './monitor/unavailable.js';
// Sampling guest memory while a cell runs, captures, and what a test asserts on them (docs/monitor.md).
export * from './monitor/sampler/index.js';
export { MonitorExpectation } from './result/expect-monitor.js';
export { joinTimeline, monitorMarks, type MonitorMark, type TimelineEntry } from './result/timeline.js';
// Cast analysis: which u64 fields of a scheduler's maps hold kernel or arena pointers (docs/monitor.md).
export { CastAnalysis, analyzeScheduler, analyzeBpfObject, analyzeCasts, schedulerCasts, structKey, type CastMap, type CastTarget, type CastEvidence, type CastConflict } from './monitor/cast/index.js';
export { reproduceCrash, exitCallChain, chainSites, type AutoReproReport, type AutoReproSummary, type ReproArg, type ReproCall, type ReproSite, type RerunInput } from './repro/index.js';
