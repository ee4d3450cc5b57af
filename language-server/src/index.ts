/** @ktstr/language-server: the analysis, usable without a client, and the server entry. */
export { Workspace } from './analysis/workspace.js';
export { analyseFile, rangeOf } from './analysis/analyse-file.js';
export type { AnalysisSettings, FileAnalysis, Problem, Range, SchedulerSummary, TestSummary } from './analysis/types.js';
export { COMMANDS, type CellArg, type TestArgs } from './handlers/commands.js';
