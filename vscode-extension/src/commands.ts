/** The commands behind the server's CodeLens: run, run on chosen topologies, debug a cell. */
import * as vscode from 'vscode';
import { COMMANDS, type CellArg, type TestArgs } from '@ktstr/language-server/dist/handlers/commands.js';
import { findCli } from './locate.js';
import { workspaceFolders } from './language-client.js';
import { shellArgs } from './shell-command.js';
import type { TestExplorer } from './test-explorer.js';

function cellPick(c: CellArg): vscode.QuickPickItem & { cell: CellArg } {
  return { label: c.preset, description: `${c.topology}${c.home ? ' · home' : ''}`, detail: c.name, cell: c };
}

export async function debugCell(test: TestArgs, cell: CellArg): Promise<void> {
  let binary = test.scheduler?.binary;
  if (test.scheduler && binary === undefined) {
    // The binary is computed at run time (e.g. join(dir, name)): ask rather than guess.
    binary = await vscode.window.showInputBox({
      title: `Scheduler binary for ${test.scheduler.name ?? 'this test'}`,
      prompt: 'The binary is computed at run time; give the path of the scheduler executable',
    });
    if (binary === undefined) return;
  }
  const cli = findCli(vscode.workspace.getConfiguration('ktstr').get<string>('cliPath') || undefined, workspaceFolders());
  const terminal = vscode.window.createTerminal({
    name: `ktstr shell ${cell.topology}${test.scheduler?.name ? ` · ${test.scheduler.name}` : ''}`,
    shellPath: cli,
    shellArgs: shellArgs(test, cell, binary),
    cwd: workspaceFolders()[0],
  });
  terminal.show();
}

export function registerCommands(context: vscode.ExtensionContext, explorer: TestExplorer): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.runCells, (test: TestArgs) => explorer.runTest(test, test.cells)),
    vscode.commands.registerCommand(COMMANDS.runOnTopology, async (test: TestArgs) => {
      const picked = await vscode.window.showQuickPick(test.cells.map(cellPick), {
        canPickMany: true, title: `Run "${test.test}" on…`, placeHolder: 'Pick one or more cells',
      });
      if (picked && picked.length > 0) await explorer.runTest(test, picked.map((p) => p.cell));
    }),
    vscode.commands.registerCommand(COMMANDS.debugCell, async (test: TestArgs) => {
      const picked = await vscode.window.showQuickPick(test.cells.map(cellPick), { title: `Debug "${test.test}" on…`, placeHolder: 'Pick a cell to boot' });
      if (picked) await debugCell(test, picked.cell);
    }),
  );
}
