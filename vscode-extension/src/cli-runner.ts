/**
 * Spawns `ktstr test FILE --gauntlet --filter CELLS --json`, streams its progress (stderr) to the
 * output channel and a notification, and reports each cell as it starts and ends from the events
 * file (KTSTR_EVENTS); the results document at the end covers cells the events did not (a CLI
 * that predates KTSTR_EVENTS writes none).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CellArg } from '@ktstr/language-server/dist/handlers/commands.js';
import { type CellOutcome, coverageCommandArgs, LineSplitter, parseRunResults, testCommandArgs } from './cell-run.js';
import { EventsFile } from './cell-events.js';
import { findCli } from './locate.js';
import { workspaceFolders } from './language-client.js';

export interface RunRequest {
  file: string;
  test: string | undefined;
  cells: readonly CellArg[];
  /** Run under `ktstr coverage`, writing lcov here. */
  lcovFile?: string | undefined;
}

export interface CellListener {
  onStart(name: string): void;
  onOutcome(o: CellOutcome): void;
}

/** How often the events file is read while cells run: a cell takes seconds to minutes. */
const EVENTS_POLL_MS = 500;

export async function runCells(req: RunRequest, log: vscode.OutputChannel, token: vscode.CancellationToken,
  listener: CellListener): Promise<number | null> {
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
    const eventsDir = mkdtempSync(join(tmpdir(), 'ktstr-events-'));
    const events = new EventsFile(join(eventsDir, 'events.jsonl'));
    // Cells reported from their end events, with the files they named: a run that did not pass
    // moves its logs into the stored run when it ends (docs/stats.md), and the results document
    // names them there.
    const reported = new Map<string, CellOutcome>();
    const drain = () => {
      for (const e of events.read()) {
        if (e.kind === 'start') listener.onStart(e.name);
        else if (!reported.has(e.outcome.name)) report(e.outcome);
      }
    };
    const report = (o: CellOutcome) => {
      reported.set(o.name, o);
      log.appendLine(`${o.name}: ${o.status}${o.error ? ` — ${o.error}` : ''}${o.skipReason ? ` (${o.skipReason})` : ''}`);
      listener.onOutcome(o);
    };
    const poll = setInterval(drain, EVENTS_POLL_MS);
    const child = spawn(cli, args, { cwd, env: { ...process.env, KTSTR_EVENTS: events.path } });
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
    const finish = () => {
      clearInterval(poll);
      // It holds only the events file: failed cells' detail is with the run's logs (KTSTR_LOGS_DIR).
      rmSync(eventsDir, { recursive: true, force: true });
    };
    child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => onErr(err.push(c)));
    child.on('error', (e) => {
      finish();
      log.appendLine(`ktstr: cannot run ${cli}: ${e.message}. Install the ktstr CLI in the workspace or set ktstr.cliPath.`);
      resolve(null);
    });
    child.on('close', (code) => {
      drain();
      onErr(err.end());
      const outcomes = parseRunResults(stdout);
      if (outcomes === undefined && stdout.trim()) log.appendLine(stdout.trim());
      for (const o of outcomes ?? []) {
        const earlier = reported.get(o.name);
        if (!earlier) report(o);
        else if (earlier.detailFile !== o.detailFile || earlier.failureDump !== o.failureDump) {
          log.appendLine(`${o.name}: detail kept in ${o.detailFile ?? o.failureDump}`);
        }
      }
      finish();
      log.appendLine(`ktstr: exit ${code}`);
      resolve(code);
    });
  }));
}
