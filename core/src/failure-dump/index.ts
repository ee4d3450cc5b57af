export { type FailureDump, type FailureKind, type AutoReproSection, type MonitorSampleDump, FAILURE_DUMP_VERSION } from './failure-dump.js';
export { findExitDump, parseExitDump, type ExitDump, type ExitDumpCpu } from './exit-dump.js';
export { readSchedulerMaps, DEFAULT_MAP_LIMITS, type MapDump, type MapsSnapshot, type MapLimits } from './bpf-maps.js';
export { buildFailureDump, DEFAULT_DUMP_LIMITS, type DumpInput, type DumpLimits } from './build.js';
export { collectFailureDump } from './collect.js';
export { renderFailureDump, bugSummaryLine, TERMINAL_LIMITS, NO_LIMITS, type RenderLimits } from './render.js';
export { writeFailureDump, failureDumpFileName } from './write.js';
export { jsonValue, type JsonValue } from './json-value.js';
export { autoReproSection, withAutoRepro } from './auto-repro-section.js';
