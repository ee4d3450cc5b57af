/**
 * The editor end to end, in a real VS Code: code-server on localhost with the packaged .vsix
 * installed, driven through Debian's chromium by playwright-core. It opens a test file, sees the
 * CodeLens and a diagnostic on a bad gate, runs one cell on a chosen topology (a real VM), sees it
 * pass and the Test Results panel show the cell's start and its metrics, opens "Debug cell…",
 * whose terminal boots the cell with `ktstr shell` and shows its
 * prompt, and runs a scx-ktstr test with coverage, after which the Testing API's coverage view
 * lists the test file and the scheduler's loader; last, a cell whose scheduler exits shows its
 * reason at the test's line and the scheduler's output in Test Results. Screenshots go to
 * test/e2e/artifacts/.
 *
 * Set-up (code-server and playwright-core in the ktstr cache) is scripts/editor-e2e-setup.mjs;
 * when it cannot be done here, the test skips with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { vmUnavailableReason } from '@ktstr/core';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(REPO, 'test', 'e2e', 'artifacts');
const VSIX = join(REPO, 'vscode-extension', 'dist', 'ktstr-vscode.vsix');
const CHROMIUM = '/usr/bin/chromium';

const SMOKE = `import { ktstrTest, cgroup, hold, work } from '@ktstr/core';

ktstrTest('editor smoke', { maxCpus: 4, durationMs: 1000 }, async (vm) => {
  const r = await vm.run([cgroup('spin', { workers: 2, work: work.spinWait() })], hold.fraction(1));
  r.expect.noStall();
});
`;
const COVERED = `import { ktstrTest, cgroup, hold, work, SCX_KTSTR } from '@ktstr/core';

ktstrTest('covered', { scheduler: SCX_KTSTR, topology: { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 }, durationMs: 1000 }, async (vm) => {
  const r = await vm.run([cgroup('spin', { workers: 2, work: work.spinWait() })], hold.fraction(1));
  r.expect.noStall();
});
`;
// The fixture scheduler with an option it does not have: it exits during attach.
const FAILING = `import { ktstrTest, cgroup, hold, work, SCX_KTSTR } from '@ktstr/core';

const small = { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 };
const opts = { scheduler: SCX_KTSTR, topology: small, durationMs: 500, extraSchedArgs: ['--no-such-option'] };

// The test's line is short: the failure shows at its end, which must be in view.
ktstrTest('bad option', opts, async (vm) => {
  await vm.run([cgroup('spin', { workers: 1, work: work.spinWait() })], hold.fraction(1));
});
`;
const BAD_GATES = `import { ktstrTest } from '@ktstr/core';

ktstrTest('impossible gates', { minLlcs: 4, maxLlcs: 2 }, async () => {});
`;

/** Runs the set-up script; returns the install directory, or why the set-up is impossible. */
function setUp(): { dir: string } | { skip: string } {
  if (!existsSync(CHROMIUM)) return { skip: `${CHROMIUM} is missing (apt package chromium; npm run bootstrap installs it)` };
  const r = spawnSync(process.execPath, [join(REPO, 'scripts', 'editor-e2e-setup.mjs')], { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
  if (r.status !== 0) return { skip: `editor set-up failed: ${r.stderr.trim().split('\n').at(-1)}` };
  const dir = spawnSync(process.execPath, [join(REPO, 'scripts', 'editor-e2e-setup.mjs'), '--print-dir'], { encoding: 'utf8' }).stdout.trim();
  if (!existsSync(VSIX)) {
    const b = spawnSync('npm', ['run', '--silent', 'package', '-w', 'ktstr-vscode'], { cwd: REPO, encoding: 'utf8' });
    if (b.status !== 0 || !existsSync(VSIX)) return { skip: `could not package the extension: ${b.stderr.trim()}` };
  }
  return { dir };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitForHttp(url: string, child: ChildProcess, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}`);
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`code-server did not answer at ${url} within ${ms} ms`);
}

const setup = setUp();
const skip = 'skip' in setup ? setup.skip : vmUnavailableReason();
if (skip) console.log(`# editor e2e skipped: ${skip}`);

test('code-server: CodeLens, a bad-gate diagnostic, and one cell run on a chosen topology', { skip: skip ?? false, timeout: 600_000 }, async () => {
  const editorDir = (setup as { dir: string }).dir;
  const codeServer = join(editorDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const { chromium } = await import(pathToFileURL(join(editorDir, 'node_modules', 'playwright-core', 'index.mjs')).href) as typeof import('playwright-core');
  mkdirSync(ARTIFACTS, { recursive: true });

  // A fresh workspace that uses this checkout's packages, as a user's project uses installed ones.
  const root = mkdtempSync(join(tmpdir(), 'ktstr-editor-e2e-'));
  const ws = join(root, 'project');
  mkdirSync(join(ws, 'tests'), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(ws, 'node_modules'));
  writeFileSync(join(ws, 'package.json'), '{ "name": "editor-e2e", "private": true, "type": "module" }\n');
  writeFileSync(join(ws, 'tests', 'smoke.test.ts'), SMOKE);
  writeFileSync(join(ws, 'tests', 'bad-gates.test.ts'), BAD_GATES);
  writeFileSync(join(ws, 'tests', 'covered.test.ts'), COVERED);
  writeFileSync(join(ws, 'tests', 'failing.test.ts'), FAILING);
  const userData = join(root, 'user-data');
  const extensions = join(root, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify({
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    // The DOM renderer keeps the terminal's text in the page, where the test can read it.
    'terminal.integrated.gpuAcceleration': 'off',
  }, null, 2));

  const install = spawnSync(process.execPath, [codeServer, '--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', VSIX], { encoding: 'utf8' });
  assert.equal(install.status, 0, `installing the .vsix failed: ${install.stdout}${install.stderr}`);
  assert.match(install.stdout, /ktstr-vscode/);

  const port = await freePort();
  const context = await chromium.launchPersistentContext(join(root, 'chromium'), {
    executablePath: CHROMIUM,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // The editor runs as a user's would: its runs go to the workspace's own .ktstr/runs, not to
  // the suite's KTSTR_RUNS_DIR (scripts/run-tests.mjs).
  const userEnv = { ...process.env };
  delete userEnv.KTSTR_RUNS_DIR;
  const server = spawn(process.execPath, [codeServer, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--user-data-dir', userData,
    '--extensions-dir', extensions, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', ws], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: userEnv });
  let serverLog = '';
  server.stdout!.on('data', (c: Buffer) => { serverLog += c.toString(); });
  server.stderr!.on('data', (c: Buffer) => { serverLog += c.toString(); });
  const page = context.pages()[0] ?? await context.newPage();
  const shot = async (name: string) => page.screenshot({ path: join(ARTIFACTS, `editor-${name}.png`) });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, server, 60_000);
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });

    // Quick Open, filled rather than typed and retried: as with palette commands, focus can move
    // between the key press and the input (seen once: the file never opened).
    const openFile = async (name: string) => {
      const input = page.locator('.quick-input-widget input');
      for (let attempt = 1; ; attempt++) {
        try {
          await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } }).catch(() => {});
          await page.keyboard.press('Control+P');
          await input.waitFor({ state: 'visible', timeout: 10_000 });
          await input.fill(name, { timeout: 10_000 });
          await page.locator(`.quick-input-list .monaco-list-row:has-text("${name}")`).first().waitFor({ timeout: 30_000 });
          await page.keyboard.press('Enter');
          await page.waitForSelector(`.tab.active:has-text("${name}")`, { timeout: 15_000 });
          return;
        } catch (e) {
          if (attempt >= 3) throw e;
          await page.keyboard.press('Escape').catch(() => {});
        }
      }
    };

    // A command from the palette. The title is filled into the palette's input rather than typed:
    // focus can move (a CodeLens appearing, a run's panel opening) between F1 and the typing.
    const paletteCommand = async (title: string) => {
      const input = page.locator('.quick-input-widget input');
      for (let attempt = 1; ; attempt++) {
        await page.keyboard.press('F1');
        try {
          await input.waitFor({ state: 'visible', timeout: 10_000 });
          await input.fill(`>${title}`, { timeout: 10_000 });
          break;
        } catch (e) {
          if (attempt === 3) throw e;
        }
      }
      await page.locator(`.quick-input-list .monaco-list-row:has-text("${title}")`).first().click();
    };

    // A diagnostic on the bad gate, from the language server, while the file is open.
    await openFile('bad-gates.test.ts');
    await page.waitForSelector('.monaco-editor .squiggly-error', { timeout: 120_000 });
    await page.keyboard.press('Control+Shift+M');
    const problem = page.locator('.markers-panel .monaco-list-row:has-text("is above maxLlcs")');
    await problem.first().waitFor({ timeout: 30_000 });
    await shot('1-bad-gate-diagnostic');

    // The CodeLens above the runnable test.
    await openFile('smoke.test.ts');
    const runLens = page.locator('.codelens-decoration a:has-text("Run (2 cells)")');
    await runLens.waitFor({ timeout: 60_000 });
    await shot('2-codelens');

    // Run on topology…: pick the non-home preset (tiny-1llc), accept, and wait for the pass.
    await page.locator('.codelens-decoration a:has-text("Run on topology")').click();
    const row = page.locator('.quick-input-list .monaco-list-row:has-text("tiny-1llc")');
    await row.waitFor({ timeout: 30_000 });
    await row.locator('input[type="checkbox"], .monaco-checkbox, .quick-input-list-checkbox').first().click();
    await shot('3-pick-topology');
    await page.keyboard.press('Enter');
    const passed = page.locator('.notifications-toasts .notification-list-item-message:has-text("ktstr: 1 passed, 0 failed")');
    const failed = page.locator('.notifications-toasts .notification-list-item-message:has-text("failed")');
    await Promise.race([passed.waitFor({ timeout: 400_000 }), failed.filter({ hasNotText: '0 failed' }).waitFor({ timeout: 400_000 })]);
    // The run's progress toast can mention "failed" on its way to the end (seen once, with the
    // final "1 passed" toast a moment later): give the verdict's own toast a moment to appear.
    // Judged before any key press: opening a panel can hide the toasts.
    const didPass = await passed.first().waitFor({ timeout: 20_000 }).then(() => true, () => false);
    const toasts = await page.locator('.notifications-toasts').innerText().catch(() => '?');
    await page.keyboard.press('Control+Shift+U').catch(() => {});
    await shot('4-cell-passed');
    assert.ok(didPass, `the run did not pass: ${toasts}`);

    // The Test Results panel holds the cell's output, streamed from the run's events as the cell
    // started and ended, instead of "The test run did not record any output".
    await paletteCommand('Test: Show Output');
    const results = page.locator('.xterm-rows:has-text("metrics: ")');
    await results.first().waitFor({ timeout: 60_000 });
    await shot('4b-test-results');
    // Rows joined: a long line wraps at the panel's width, wherever that falls.
    const output = (await results.first().innerText()).replace(/\u00a0/g, ' ').replace(/\n/g, '');
    assert.match(output, /▶ editor smoke\/tiny-1llc\/\S+: started/);
    assert.match(output, /✔ editor smoke\/tiny-1llc\/\S+: passed in [\d.]+ s \(boot [\d.]+ s (restored|cold)/);
    assert.match(output, /metrics: [\d,]+ iterations, worst spread [\d.]+%, worst gap [\d.]+ ms/);
    assert.equal(await page.locator('.xterm-rows:has-text("did not record any output")').count(), 0);
    // The outcome is also attached to the test's line, where the editor shows it inline.
    await page.locator('.monaco-editor .view-lines:has-text("passed in")').first().waitFor({ timeout: 30_000 });

    // Debug cell…: pick the home cell; a terminal boots it with `ktstr shell` and shows the prompt.
    await page.locator('.codelens-decoration a:has-text("Debug cell")').click();
    const home = page.locator('.quick-input-list .monaco-list-row:has-text("home")');
    await home.first().waitFor({ timeout: 30_000 });
    await home.first().click();
    const banner = page.locator('.terminal-wrapper .xterm-rows:has-text("ktstr shell: Linux")');
    await banner.first().waitFor({ timeout: 180_000 });
    await page.locator('.terminal-wrapper .xterm-rows:has-text("ktstr:")').first().waitFor({ timeout: 60_000 });
    await shot('5-debug-cell-shell');
    const rows = await banner.first().innerText();
    assert.match(rows, /ktstr shell: Linux \S+, 4 CPUs, scheduler EEVDF/);
    // Leave the shell: the VM powers off and the terminal's process ends.
    await page.keyboard.type('exit');
    await page.keyboard.press('Enter');

    // Coverage: run the scx-ktstr test with coverage; the Testing API shows the test file (host
    // V8 coverage) and the scheduler's loader (gcov from the guest) with their line coverage.
    // (From the explorer: the terminal that just closed may still hold the keyboard focus.)
    await page.locator('.explorer-folders-view .monaco-list-row:has-text("covered.test.ts")').first().click();
    await page.waitForSelector('.tab.active:has-text("covered.test.ts")', { timeout: 30_000 });
    await page.locator('.monaco-editor .view-lines').first().click();
    // The click can land below the file's last line and leave the view scrolled past its top,
    // where the CodeLens sits (seen once: "Run (1 cell)" resolved but hidden): back to line 1.
    await page.keyboard.press('Control+Home');
    // SCX_KTSTR comes from core's static manifest, so the server knows this test's one cell.
    await page.locator('.codelens-decoration a:has-text("Run (1 cell)")').waitFor({ timeout: 60_000 });
    await paletteCommand('Run Tests with Coverage in Current File');
    // The host side: the explorer shows the test file's line coverage once the run is in.
    await page.locator('.explorer-folders-view .monaco-list-row:has-text("covered.test.ts"):has-text("%")').first().waitFor({ timeout: 400_000 });
    await shot('6-coverage-test-file');
    // The guest side: the loader lies outside the workspace, so look in the Test Coverage view.
    await paletteCommand('Focus on Test Coverage View');
    await page.locator('.monaco-workbench .monaco-list-row:has-text("scx_ktstr.c")').first().waitFor({ timeout: 60_000 });
    await shot('7-coverage-view');

    // A failing cell: the Test Results panel has the reason's explaining lines (the scheduler's
    // own complaint), and the failure message opens at the test's line with the reason.
    await openFile('failing.test.ts');
    await page.locator('.codelens-decoration a:has-text("Run (1 cell)")').click();
    await page.locator('.notifications-toasts .notification-list-item-message:has-text("ktstr: 0 passed, 1 failed")').waitFor({ timeout: 400_000 });
    // The cell's message sits at the test's line, inline; clicking it opens it in a peek.
    const inline = page.locator('.editor-group-container .test-error-content-widget:has-text("exited during attach")');
    await inline.first().waitFor({ timeout: 60_000 });
    await inline.first().click();
    const peek = page.locator('.editor-group-container .peekview-widget:has-text("exited during attach")');
    await peek.first().waitFor({ timeout: 30_000 });
    await shot('8-failed-cell-message');
    await page.keyboard.press('Escape');
    await paletteCommand('Test: Show Output');
    // The scheduler's usage text makes the output longer than the panel: scroll to its top.
    const failedOutput = page.locator('.xterm-rows:has-text("full detail: ")');
    await failedOutput.first().waitFor({ timeout: 60_000 });
    // The mouse over the text (an overlay covers it, so no hover()), then the wheel.
    const box = (await failedOutput.first().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const failedTop = page.locator('.xterm-rows:has-text("✘ bad option")');
    // The cell's failure dump sits between the status line and its last line: scroll up in
    // steps until the status line is in view (the dump's length varies with the scheduler's output).
    for (let i = 0; i < 60 && await failedTop.count() === 0; i++) {
      await page.mouse.wheel(0, -600);
      await sleep(150);
    }
    await failedTop.first().waitFor({ timeout: 10_000 });
    await shot('9-failed-cell-output');
    const failedText = (await failedTop.first().innerText()).replace(/\u00a0/g, ' ').replace(/\n/g, '');
    assert.match(failedText, /✘ bad option\/\S+: failed in [\d.]+ s/);
    assert.match(failedText, /unrecognized option '--no-such-option'/);
    // The failed cell's detail went into the stored run with the run's other logs; the extension's
    // events directory is gone (mkdtemp's six characters: not the unit tests' ktstr-events-test-*).
    const runsDir = join(ws, '.ktstr', 'runs');
    const logs = readdirSync(runsDir).filter((r) => existsSync(join(runsDir, r, 'logs', 'cells')))
      .flatMap((r) => readdirSync(join(runsDir, r, 'logs', 'cells')).filter((f) => f.startsWith('bad_option') && f.endsWith('.log')));
    assert.equal(logs.length, 1, `failed cell's detail file in the stored run: ${logs.join(', ')}`);
    const eventsDirs = () => readdirSync(tmpdir()).filter((d) => /^ktstr-events-[A-Za-z0-9]{6}$/.test(d));
    // The extension removes it when the CLI's process closes, a moment after its summary.
    for (let i = 0; i < 40 && eventsDirs().length > 0; i++) await sleep(250);
    assert.deepEqual(eventsDirs(), [], 'the events directory left in /tmp');

    // The run report of the latest run (the failing one) in a webview: the page's inline scripts
    // run under the webview's policy (uPlot loads, the renderer fills the summary) and the failed
    // cell is listed with its reason.
    await paletteCommand('ktstr: Open Latest Run Report');
    let report: import('playwright-core').Frame | undefined;
    for (let i = 0; i < 120 && !report; i++) {
      for (const f of page.frames()) {
        if (await f.evaluate(() => document.body?.hasAttribute('data-rendered') && document.getElementById('report') !== null).catch(() => false)) report = f;
      }
      if (!report) await sleep(500);
    }
    assert.ok(report, 'the report webview did not render');
    assert.equal(await report.evaluate(() => typeof (window as unknown as { uPlot?: unknown }).uPlot), 'function');
    const reportRows = await report.$$eval('#summary tbody tr', (trs) => trs.map((tr) => `${tr.getAttribute('data-status')}: ${tr.textContent}`));
    assert.equal(reportRows.length, 1);
    assert.match(reportRows[0]!, /^failed: bad option\/.*exited during attach/);
    await page.locator('.tab.active:has-text("ktstr report")').waitFor({ timeout: 10_000 });
    await shot('10-run-report');
  } catch (e) {
    await shot('failure').catch(() => {});
    throw new Error(`${(e as Error).message}\n--- code-server log (tail) ---\n${serverLog.slice(-3000)}`, { cause: e });
  } finally {
    await context.close();
    // code-server's own process group: its extension host, the language server, ktstr, QEMU.
    try { process.kill(-server.pid!, 'SIGTERM'); } catch { /* already gone */ }
    await sleep(1000);
    try { process.kill(-server.pid!, 'SIGKILL'); } catch { /* already gone */ }
    rmSync(root, { recursive: true, force: true });
  }
});
