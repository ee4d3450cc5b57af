/** @ktstr/language-server: the analysis, usable without a client, and the server entry. */
export { Workspace } from './analysis/workspace.js';
export { analyseFile } from './analysis/analyse-file.js';
export { rangeOf } from './analysis/ranges.js';
export type { AnalysisSettings, FileAnalysis, Fix, Problem, Range, SchedulerSummary, TestSummary, TextEdit } from './analysis/types.js';
export { COMMANDS, type CellArg, type TestArgs } from './handlers/commands.js';
