/**
 * The Testing view: files -> tests -> cells, from the language server's static analysis, with
 * a run profile (ktstr test) and a debug profile (ktstr shell on the cell's topology). Each cell's
 * start and outcome (metrics, or the failure with its scheduler output) go to the run's output
 * at the test's line, and failures carry the runner's message there too.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { COMMANDS, type CellArg, type TestArgs } from '@ktstr/language-server/dist/handlers/commands.js';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchCell } from './cell-run.js';
import { cellOutcomeText, cellStartText, failureMessageText } from './cell-report.js';
import { loadFailureDump } from './failure-dump-file.js';
import { type LcovFile, parseLcov } from './lcov.js';
import { runCells } from './cli-runner.js';

interface ItemData {
  test: TestArgs;
  cell: CellArg | undefined;
}

export class TestExplorer implements vscode.Disposable {
  readonly controller = vscode.tests.createTestController('ktstr', 'ktstr');
  private readonly data = new WeakMap<vscode.TestItem, ItemData>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly details = new WeakMap<vscode.FileCoverage, vscode.FileCoverageDetail[]>();

  constructor(private readonly client: LanguageClient, private readonly log: vscode.OutputChannel,
    private readonly debugCell: (test: TestArgs, cell: CellArg) => Promise<void>) {
    this.controller.refreshHandler = () => this.refresh();
    this.controller.createRunProfile('Run', vscode.TestRunProfileKind.Run, (req, token) => this.run(req, token), true);
    this.controller.createRunProfile('Debug (ktstr shell)', vscode.TestRunProfileKind.Debug, (req) => this.debug(req), true);
    const coverage = this.controller.createRunProfile('Coverage (ktstr coverage)', vscode.TestRunProfileKind.Coverage, (req, token) => this.run(req, token, true), true);
    coverage.loadDetailedCoverage = async (_run, file) => this.details.get(file) ?? [];
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    this.controller.dispose();
  }

  /** Re-reads the tests soon; edits arrive in bursts while the user types. */
  scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(), 400);
  }

  async refresh(): Promise<void> {
    const tests = await this.client.sendRequest<TestArgs[]>('workspace/executeCommand', { command: COMMANDS.listTests, arguments: [] });
    const files = new Map<string, TestArgs[]>();
    for (const t of tests) files.set(t.file, [...(files.get(t.file) ?? []), t]);
    const fileItems: vscode.TestItem[] = [];
    for (const [file, fileTests] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
      const uri = vscode.Uri.file(file);
      const fileItem = this.controller.createTestItem(file, vscode.workspace.asRelativePath(uri), uri);
      for (const t of fileTests) {
        const label = t.test ?? '(name computed at run time)';
        const item = this.controller.createTestItem(`${file}::${label}::${t.line}`, label, uri);
        item.range = new vscode.Range(t.line, 0, t.line, 0);
        if (t.unresolved) item.description = `cells at run time: ${t.unresolved}`;
        else item.description = `${t.cells.length} cell${t.cells.length === 1 ? '' : 's'}`;
        this.data.set(item, { test: t, cell: undefined });
        for (const c of t.cells) {
          const cellItem = this.controller.createTestItem(c.name, `${c.preset}${c.home ? ' (home)' : ''}`, uri);
          cellItem.description = `${c.topology} · ${c.kernel}`;
          cellItem.range = item.range;
          this.data.set(cellItem, { test: t, cell: c });
          item.children.add(cellItem);
        }
        fileItem.children.add(item);
      }
      fileItems.push(fileItem);
    }
    this.controller.items.replace(fileItems);
  }

  /** Runs the cells of one test (all, or those given) with results in the Testing view. */
  async runTest(test: TestArgs, cells: readonly CellArg[]): Promise<void> {
    await this.refresh();
    const items = this.findItems(test, cells);
    const req = new vscode.TestRunRequest(items);
    const cts = new vscode.CancellationTokenSource();
    await this.run(req, cts.token);
  }

  private findItems(test: TestArgs, cells: readonly CellArg[]): vscode.TestItem[] {
    const out: vscode.TestItem[] = [];
    this.controller.items.forEach((file) => file.children.forEach((t) => {
      const d = this.data.get(t);
      if (!d || d.test.file !== test.file || d.test.line !== test.line) return;
      if (cells.length === 0 || cells.length === d.test.cells.length) out.push(t);
      else t.children.forEach((c) => { if (cells.some((x) => x.name === c.id)) out.push(c); });
    }));
    return out;
  }

  /** Groups the requested items into one `ktstr test` run per test. */
  private async run(request: vscode.TestRunRequest, token: vscode.CancellationToken, withCoverage = false): Promise<void> {
    const run = this.controller.createTestRun(request);
    const groups = new Map<vscode.TestItem, { test: TestArgs; cells: CellArg[]; cellItems: vscode.TestItem[] }>();
    const add = (item: vscode.TestItem) => {
      const d = this.data.get(item);
      if (!d) {
        item.children.forEach(add);
        return;
      }
      const testItem = d.cell ? item.parent! : item;
      const g = groups.get(testItem) ?? { test: d.test, cells: [], cellItems: [] };
      const cellItems: vscode.TestItem[] = [];
      if (d.cell) cellItems.push(item);
      else item.children.forEach((c) => cellItems.push(c));
      for (const c of cellItems) {
        const cd = this.data.get(c)!;
        if (!g.cellItems.includes(c)) {
          g.cellItems.push(c);
          g.cells.push(cd.cell!);
        }
      }
      groups.set(testItem, g);
    };
    if (request.include) request.include.forEach(add);
    else this.controller.items.forEach(add);
    const counts = { passed: 0, failed: 0, skipped: 0 };
    try {
      for (const [testItem, g] of groups) {
        if (token.isCancellationRequested) break;
        run.started(testItem);
        for (const c of g.cellItems) run.enqueued(c);
        const seen = new Set<vscode.TestItem>();
        let cellFailed = false;
        const lcovDir = withCoverage ? mkdtempSync(join(tmpdir(), 'ktstr-lcov-')) : undefined;
        const lcovFile = lcovDir ? join(lcovDir, 'coverage.lcov') : undefined;
        const location = new vscode.Location(vscode.Uri.file(g.test.file), new vscode.Position(g.test.line, 0));
        // A test whose cells are only known at run time has no cell items: its test item takes them.
        const itemOf = (name: string) => matchCell({ name }, g.cellItems.map((c) => ({ name: c.id, item: c })))?.item ??
          (g.cells.length === 0 ? testItem : undefined);
        const code = await runCells({ file: g.test.file, test: g.test.test, cells: g.cells, lcovFile }, this.log, token, {
          onStart: (name) => {
            const item = itemOf(name);
            if (!item) return;
            if (item !== testItem) run.started(item);
            // No location: the editor shows a line's first output inline, which should be the outcome.
            run.appendOutput(cellStartText(name), undefined, item);
          },
          onOutcome: (o) => {
            const item = itemOf(o.name);
            if (!item) return;
            seen.add(item);
            counts[o.status]++;
            if (o.status === 'failed') {
              cellFailed = true;
              // Before the output: the editor shows one message inline per line, the first.
              const msg = new vscode.TestMessage(failureMessageText(o));
              msg.location = location;
              run.failed(item, msg, o.durationMs);
            }
            run.appendOutput(cellOutcomeText(o, loadFailureDump(o.failureDump)), location, item);
            if (o.status === 'passed') run.passed(item, o.durationMs);
            else if (o.status === 'skipped') run.skipped(item);
          },
        });
        for (const c of g.cellItems) {
          if (!seen.has(c)) run.errored(c, new vscode.TestMessage(code === null ? 'ktstr could not be run (see the ktstr output channel)' : `no result for this cell (ktstr exit ${code})`));
        }
        if (lcovDir && lcovFile) {
          if (existsSync(lcovFile)) this.addCoverage(run, parseLcov(readFileSync(lcovFile, 'utf8')));
          else run.appendOutput(`ktstr coverage wrote no lcov file (${lcovFile}); see the ktstr output channel.\r\n`, undefined, testItem);
          rmSync(lcovDir, { recursive: true, force: true });
        }
        if (code === 0) run.passed(testItem);
        // The cells' own messages say why, at the same line; the editor would show only one there.
        else if (cellFailed) run.failed(testItem, []);
        else run.failed(testItem, new vscode.TestMessage(`ktstr test exited with ${code}`));
      }
    } finally {
      run.end();
    }
    const summary = `ktstr: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
    this.log.appendLine(summary);
    if (counts.failed > 0) void vscode.window.showErrorMessage(summary);
    else void vscode.window.showInformationMessage(summary);
  }

  /** lcov files as the Testing API's coverage: line hits, with functions and branches. */
  private addCoverage(run: vscode.TestRun, files: readonly LcovFile[]): void {
    for (const f of files) {
      const uri = vscode.Uri.file(f.path);
      const detail: vscode.FileCoverageDetail[] = [];
      for (const [line, hits] of f.lines) {
        const branches = (f.branches.get(line) ?? []).map((b) => new vscode.BranchCoverage(b));
        detail.push(new vscode.StatementCoverage(hits, new vscode.Position(line - 1, 0), branches));
      }
      for (const fn of f.functions) detail.push(new vscode.DeclarationCoverage(fn.name, fn.hits, new vscode.Position(Math.max(0, fn.line - 1), 0)));
      const coverage = vscode.FileCoverage.fromDetails(uri, detail);
      this.details.set(coverage, detail);
      run.addCoverage(coverage);
    }
  }

  private async debug(request: vscode.TestRunRequest): Promise<void> {
    const item = request.include?.[0];
    const d = item ? this.data.get(item) : undefined;
    if (!d) return;
    const cell = d.cell ?? d.test.cells.find((c) => c.home) ?? d.test.cells[0];
    if (cell) await this.debugCell(d.test, cell);
  }
}
