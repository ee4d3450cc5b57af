/**
 * Spawns `ktstr test FILE --gauntlet --filter CELLS --json`, streams its progress (stderr) to the
 * output channel and a notification, and reports each cell's outcome from the results document.
 */
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import type { CellArg } from '@ktstr/language-server/dist/handlers/commands.js';
import { type CellOutcome, coverageCommandArgs, LineSplitter, parseRunResults, testCommandArgs } from './cell-run.js';
import { findCli } from './locate.js';
import { workspaceFolders } from './language-client.js';

export interface RunRequest {
  file: string;
  test: string | undefined;
  cells: readonly CellArg[];
  /** Run under `ktstr coverage`, writing lcov here. */
  lcovFile?: string | undefined;
}

export async function runCells(req: RunRequest, log: vscode.OutputChannel, token: vscode.CancellationToken,
  onOutcome: (o: CellOutcome) => void): Promise<number | null> {
  const config = vscode.workspace.getConfiguration('ktstr');
  const folders = workspaceFolders();
  const cli = findCli(config.get<string>('cliPath') || undefined, folders);
  const args = req.lcovFile ? coverageCommandArgs(req.file, req.test, req.cells, req.lcovFile) : testCommandArgs(req.file, req.test, req.cells);
  const cwd = folders.find((f) => req.file.startsWith(`${f}/`)) ?? folders[0];
  log.appendLine(`$ ${cli} ${args.map((a) => (/[\s|()]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  return vscode.window.withProgress({
    location: vscode.ProgressLocation.Notification,
    title: `ktstr: running ${req.cells.length > 0 ? `${req.cells.length} cell${req.cells.length === 1 ? '' : 's'}` : req.test ?? req.file}`,
    cancellable: true,
  }, (progress, progressToken) => new Promise<number | null>((resolve) => {
    const child = spawn(cli, args, { cwd, env: process.env });
    const cancel = () => child.kill('SIGINT');
    token.onCancellationRequested(cancel);
    progressToken.onCancellationRequested(cancel);
    let stdout = '';
    const err = new LineSplitter();
    const onErr = (lines: string[]) => {
      for (const line of lines) {
        log.appendLine(line);
        if (line.trim()) progress.report({ message: line.trim().slice(0, 120) });
      }
    };
    child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => onErr(err.push(c)));
    child.on('error', (e) => {
      log.appendLine(`ktstr: cannot run ${cli}: ${e.message}. Install the ktstr CLI in the workspace or set ktstr.cliPath.`);
      resolve(null);
    });
    child.on('close', (code) => {
      onErr(err.end());
      const outcomes = parseRunResults(stdout);
      if (outcomes === undefined && stdout.trim()) log.appendLine(stdout.trim());
      for (const o of outcomes ?? []) {
        log.appendLine(`${o.name}: ${o.status}${o.error ? ` — ${o.error}` : ''}${o.skipReason ? ` (${o.skipReason})` : ''}`);
        onOutcome(o);
      }
      log.appendLine(`ktstr: exit ${code}`);
      resolve(code);
    });
  }));
}
