/**
 * ktstr-vscode: starts @ktstr/language-server, registers the CodeLens commands, the test
 * explorer and the run report. Wiring only.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { startClient } from './language-client.js';
import { TestExplorer } from './test-explorer.js';
import { debugCell, registerCommands } from './commands.js';
import { registerReportCommand } from './report-command.js';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('ktstr');
  context.subscriptions.push(log);
  // The report needs only the CLI, not the language server: it works where the server cannot start.
  registerReportCommand(context, log);
  client = await startClient(context, log);
  if (!client) return;
  const explorer = new TestExplorer(client, log, debugCell);
  context.subscriptions.push(explorer);
  registerCommands(context, explorer);
  context.subscriptions.push(
    vscode.workspace.onDidChangeTextDocument((e) => { if (e.document.languageId === 'typescript') explorer.scheduleRefresh(); }),
    vscode.workspace.onDidSaveTextDocument(() => explorer.scheduleRefresh()),
  );
  await explorer.refresh();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
