/**
 * The command names and argument shapes shared by the server's CodeLens and the editor
 * extension that executes them. The extension imports this file, so it must stay free of
 * imports: constants and plain-JSON types only.
 */

export const COMMANDS = {
  /** Client: run cells of a test through `ktstr test`. */
  runCells: 'ktstr.runCells',
  /** Client: pick one or more cells of a test, then run them. */
  runOnTopology: 'ktstr.runOnTopology',
  /** Client: pick a cell, then open `ktstr shell` on its topology with the scheduler loaded. */
  debugCell: 'ktstr.debugCell',
  /** Server: the tests and cells of a file (or of the workspace), as TestArgs. */
  listTests: 'ktstr.server.listTests',
} as const;

export interface CellArg {
  name: string;
  preset: string;
  /** NnLlCcTt, as `--topology` takes it. */
  topology: string;
  kernel: string;
  home: boolean;
}

export interface TestArgs {
  /** Absolute path of the test file. */
  file: string;
  test: string | undefined;
  /** Zero-based line of the `ktstrTest(` call. */
  line: number;
  cells: CellArg[];
  /** Why cells are unknown before run time, if they are. */
  unresolved: string | undefined;
  scheduler: { name: string | undefined; binary: string | undefined; schedArgs: string[] } | undefined;
}
