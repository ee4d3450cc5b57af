/** @ktstr/core/setup: the machine checks behind `ktstr doctor`, `ktstr setup` and the repository's bootstrap. */
export { aptPackages, missingAptPackages, installAptPackages, type AptPackage, type AptScope } from './apt.js';
export type { ItemStatus, Log, SetupItem } from './item.js';
export { setupItems, isRoot } from './items.js';
export { buildFixtureScheduler, ensureFixtureForRun, ensureFixtureScheduler } from './fixture-build.js';
export { aarch64FixtureScheduler, AARCH64_FIXTURE_SCHEDULER } from './fixture-build-aarch64.js';
export { doctor, runSetup, type DoctorItem, type DoctorReport, type SetupOutcome } from './run.js';
