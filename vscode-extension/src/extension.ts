/**
 * ktstr-vscode: starts @ktstr/language-server, registers the CodeLens commands and the test
 * explorer. Wiring only.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { startClient } from './language-client.js';
import { TestExplorer } from './test-explorer.js';
import { debugCell, registerCommands } from './commands.js';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('ktstr');
  context.subscriptions.push(log);
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
