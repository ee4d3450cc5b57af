/**
 * "ktstr: Open Latest Run Report": runs `ktstr report --json` in the workspace (the CLI finds
 * the latest stored run and writes its page) and shows the page in a webview. The page is
 * self-contained, so the webview needs scripts enabled and nothing else.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { findCli } from './locate.js';
import { workspaceFolders } from './language-client.js';
import { parseReportSummary, REPORT_ARGS, webviewHtml } from './report-view.js';

export const OPEN_REPORT_COMMAND = 'ktstr.openReport';

function runReport(cli: string, cwd: string | undefined): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cli, [...REPORT_ARGS], { cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr: stderr || (err && code === -1 ? err.message : '') });
    });
  });
}

export function registerReportCommand(context: vscode.ExtensionContext, log: vscode.OutputChannel): void {
  let panel: vscode.WebviewPanel | undefined;
  context.subscriptions.push(vscode.commands.registerCommand(OPEN_REPORT_COMMAND, async () => {
    const folders = workspaceFolders();
    const cli = findCli(vscode.workspace.getConfiguration('ktstr').get<string>('cliPath') || undefined, folders);
    log.appendLine(`$ ${cli} ${REPORT_ARGS.join(' ')}`);
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'ktstr: writing the run report' }, () => runReport(cli, folders[0]));
    if (r.stderr.trim()) log.appendLine(r.stderr.trim());
    const summary = r.code === 0 ? parseReportSummary(r.stdout) : undefined;
    if (!summary) {
      const why = r.stderr.trim().split('\n').at(-1) || `exit ${r.code}`;
      void vscode.window.showErrorMessage(`ktstr report failed: ${why}`);
      return;
    }
    // One panel, reused: a second run of the command shows the newer run in it.
    if (!panel) {
      panel = vscode.window.createWebviewPanel('ktstrReport', 'ktstr report', vscode.ViewColumn.Active, { enableScripts: true, retainContextWhenHidden: true });
      panel.onDidDispose(() => { panel = undefined; });
    }
    panel.title = `ktstr report ${summary.run}`;
    panel.webview.html = webviewHtml(readFileSync(summary.path, 'utf8'), panel.webview.cspSource);
    panel.reveal();
    log.appendLine(`ktstr: report of ${summary.run} (${summary.failed} failed, ${summary.passed} passed): ${summary.path}`);
  }));
}
