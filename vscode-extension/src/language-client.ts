/** Starts @ktstr/language-server over stdio for the workspace's TypeScript files. */
import * as vscode from 'vscode';
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { findServer } from './locate.js';

export function workspaceFolders(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

/** The client, or undefined (with the reason shown) when no server can be found. */
export async function startClient(context: vscode.ExtensionContext, log: vscode.OutputChannel): Promise<LanguageClient | undefined> {
  const config = vscode.workspace.getConfiguration('ktstr');
  const server = findServer(config.get<string>('languageServer.path') || undefined, workspaceFolders());
  if (!server) {
    const why = 'ktstr: no language server found. Install @ktstr/language-server in the workspace (npm i -D @ktstr/language-server) or set ktstr.languageServer.path.';
    log.appendLine(why);
    void vscode.window.showWarningMessage(why);
    return undefined;
  }
  // The extension host's own executable runs the server: node under code-server, Electron
  // (told to act as node) under desktop VS Code; ktstr.nodePath overrides both.
  const command = config.get<string>('nodePath') || process.execPath;
  const run = { command, args: [server, '--stdio'], options: { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } } };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'typescript' }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{ts,mts,cts}') },
    initializationOptions: { kernels: config.get<string[]>('kernels') ?? [], arch: config.get<string>('arch') ?? 'x86_64' },
  };
  const client = new LanguageClient('ktstr', 'ktstr', serverOptions, clientOptions);
  log.appendLine(`ktstr: starting ${server} with ${command}`);
  await client.start();
  context.subscriptions.push(client);
  return client;
}
