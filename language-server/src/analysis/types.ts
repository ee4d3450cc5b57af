/**
 * The plain results of analysis: positions, problems, schedulers, tests and their cells. No
 * syntax nodes escape analysis, so a result stays valid after its file is re-parsed.
 */
import type { ExcludedTopology, GauntletCell, Topology } from '@ktstr/core';

/** Zero-based, as in the Language Server Protocol. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'information';

/** A replacement of the text in `range` (an insertion when the range is empty). */
export interface TextEdit {
  range: Range;
  newText: string;
}

/** A quick fix for a problem: edits to the problem's own file. */
export interface Fix {
  title: string;
  edits: TextEdit[];
  /** The fix to apply when the user asks for "the" fix (at most one per problem). */
  preferred: boolean;
}

export interface Problem {
  range: Range;
  severity: Severity;
  message: string;
  /** Stable identifier of the rule, e.g. `gates`, `config-pairing`. */
  code: string;
  /** Quick fixes, best first; absent when there is none. */
  fixes?: Fix[];
}

export interface SchedulerSummary {
  path: string;
  range: Range;
  /** Undefined when the name is computed at run time. */
  name: string | undefined;
  /** The constant it is bound to in its file, if any. */
  binding: string | undefined;
  topology: Topology | undefined;
  /** The executable as written, when it is a literal. */
  binary: string | undefined;
  schedArgs: string[];
  hasConfigFile: boolean;
}

export interface TestSummary {
  path: string;
  /** The whole `ktstrTest(...)` call. */
  range: Range;
  /** The options argument, when there is one. */
  optionsRange: Range | undefined;
  name: string | undefined;
  scheduler: SchedulerSummary | undefined;
  /** The cells the test expands to; empty when they cannot be known before run time. */
  cells: GauntletCell[];
  excluded: ExcludedTopology[];
  /** Why the cells are not known statically, when they are not. */
  unresolved: string | undefined;
}

export interface FileAnalysis {
  path: string;
  schedulers: SchedulerSummary[];
  tests: TestSummary[];
  problems: Problem[];
  /** Files this result was computed from; an edit to any of them invalidates it. */
  deps: Set<string>;
}

/** What the analysis needs from the editor's configuration. */
export interface AnalysisSettings {
  /** Kernel labels the gauntlet multiplies cells by (as `ktstr test --kernel`). */
  kernels: string[];
  arch: 'x86_64' | 'aarch64';
}
