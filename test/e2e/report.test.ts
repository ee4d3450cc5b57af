// `ktstr report` end to end: a real run (one passing, one failing cell) stored in a temporary
// runs directory, a baseline made from it with better numbers, the page written by the CLI and
// opened in Debian's chromium: no console errors, no request leaves the file, every chart has
// drawn its series, failed cells lead the summary and the regression is highlighted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readCellsParquet, writeCellsParquet } from '@ktstr/core';
import { skipReason } from '../vm/cell-env.js';

const root = join(import.meta.dirname, '..', '..');
const ARTIFACTS = join(root, 'test', 'e2e', 'artifacts');
const CHROMIUM = '/usr/bin/chromium';
const ktstr = (args: string[]) => spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });

const FAILING = 'report impossible iteration count';
const HOSTILE = '</script><script>window.pwned = 1</script><!--';

/** playwright-core as the editor test installs it (scripts/editor-e2e-setup.mjs); why not, when it cannot be had. */
function playwrightDir(): { dir: string } | { skip: string } {
  if (!existsSync(CHROMIUM)) return { skip: `${CHROMIUM} is missing (apt package chromium; npm run bootstrap installs it)` };
  const setup = join(root, 'scripts', 'editor-e2e-setup.mjs');
  const dir = spawnSync(process.execPath, [setup, '--print-dir'], { encoding: 'utf8' }).stdout.trim();
  if (!existsSync(join(dir, 'node_modules', 'playwright-core'))) {
    const r = spawnSync(process.execPath, [setup], { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
    if (r.status !== 0) return { skip: `editor set-up failed: ${r.stderr.trim().split('\n').at(-1)}` };
  }
  return { dir };
}

const browser = playwrightDir();
const skip = skipReason || ('skip' in browser ? browser.skip : false);
if (skip) console.log(`# report e2e skipped: ${skip}`);

// Under the repository so that the test file resolves @ktstr/core as a user's tests would; not
// a *.test.ts name, so no test run picks it up by itself.
let work = '';
before(() => {
  work = mkdtempSync(join(root, 'test', 'e2e', '.report-'));
  writeFileSync(join(work, 'report-cases.ts'), `import { ktstrTest, cgroup, cpuset, hold, work } from '@ktstr/core';
ktstrTest(${JSON.stringify(FAILING)}, { topology: { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 }, durationMs: 1500 }, async (vm) => {
  const r = await vm.run([cgroup('a', { cpuset: cpuset.llc(0), workers: 2, work: work.spinWait() })], hold.fraction(1));
  r.expect.noStall();
  // The reason carries markup that would end the page's data element if it were not escaped; the
  // second line is the failure's detail, which the report shows under the cell.
  if (r.metrics.totalIterations < 1e12) throw new Error(\`\${r.metrics.totalIterations} iterations ${HOSTILE}\\nwanted at least 1e12\`);
});
`);
});
after(() => rmSync(work, { recursive: true, force: true }));

interface PlotCheck {
  kind: string;
  title: string;
  series: number;
  drawn: number;
  colored: number;
}

test('ktstr report: a real run and an altered baseline, rendered in chromium', { skip, timeout: 600_000 }, async () => {
  const runs = mkdtempSync(join(tmpdir(), 'ktstr-report-runs-'));
  try {
    const run = ktstr(['test', join(root, 'examples/eevdf-baseline.test.ts'), join(work, 'report-cases.ts'), '--runs-dir', runs]);
    assert.equal(run.status, 1, `one cell is meant to fail: ${run.stderr.slice(-3000)}`);
    const id = /stored run (\d{8}T\d{6}Z-[0-9a-f]{6})/.exec(run.stderr)?.[1];
    assert.ok(id, run.stderr.slice(-2000));

    // The run's monitor readings are stored with the cell (real runqueue samples). The failing
    // cell runs under EEVDF, which has no sched_ext event counters, so counters shaped like the
    // sampler's (sample-reader.ts) are added to its real samples: the event chart is drawn from a
    // stored run too.
    const failedFile = readdirSync(join(runs, id, 'cells')).find((f) => f.startsWith(FAILING.replace(/ /g, '_')));
    assert.ok(failedFile);
    const failedPath = join(runs, id, 'cells', failedFile);
    const detail = JSON.parse(readFileSync(failedPath, 'utf8'));
    const stored = detail.monitor?.series?.samples as { index: number; data: { events?: unknown } | null }[] | undefined;
    assert.ok(stored && stored.length >= 2, `the stored cell carries the monitor's samples: ${JSON.stringify(detail.monitor)?.slice(0, 500)}`);
    for (const s of stored) {
      if (s.data && !s.data.events) s.data.events = { SCX_EV_SELECT_CPU_FALLBACK: s.index * s.index * 3, SCX_EV_DISPATCH_KEEP_LAST: s.index * 40, SCX_EV_ENQ_SKIP_EXITING: 0 };
    }
    writeFileSync(failedPath, JSON.stringify(detail));

    // The baseline: the same run, stored under an earlier name, with three times the iterations
    // of every cell, so this run's iterations fell by two thirds (a regression of a passed cell).
    // Both throughput measures: under TCG compare judges iterations per VM CPU second instead.
    const baseId = `20000101T000000Z-ba5e11`;
    const baseDir = join(runs, baseId);
    cpSync(join(runs, id), baseDir, { recursive: true });
    const cells = await readCellsParquet(join(baseDir, 'cells.parquet'));
    const tripled = (v: number | null | undefined) => (typeof v === 'number' ? v * 3 : v);
    await writeCellsParquet(join(baseDir, 'cells.parquet'), cells.map((c) => ({
      ...c, run: baseId, metrics: {
        ...c.metrics, totalIterations: (c.metrics.totalIterations ?? 0) * 3,
        ...('iterationsPerVmCpuS' in c.metrics ? { iterationsPerVmCpuS: tripled(c.metrics.iterationsPerVmCpuS) ?? null } : {}),
      },
    })));
    const meta = JSON.parse(readFileSync(join(baseDir, 'run.json'), 'utf8'));
    writeFileSync(join(baseDir, 'run.json'), JSON.stringify({ ...meta, id: baseId }));

    const out = join(runs, 'report.html');
    const r = ktstr(['report', '--runs-dir', runs, '--baseline', baseId, '-o', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.path, out);
    assert.equal(summary.run, id, 'RUN defaults to the latest run');
    assert.equal(summary.baseline, baseId);
    assert.deepEqual(summary.failedCells.map((c: { name: string }) => c.name.split('/')[0]), [FAILING]);
    assert.match(summary.failedCells[0].reason, /iterations/);
    assert.ok(summary.regressions >= 1, r.stdout);
    assert.equal(summary.regressedCells.length, 1);
    assert.match(summary.regressedCells[0], /^eevdf keeps pinned cgroups/);

    // Without -o the page goes into the run directory.
    const plain = ktstr(['report', id, '--runs-dir', runs, '--json']);
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(JSON.parse(plain.stdout).path, join(runs, id, 'report.html'));
    assert.ok(existsSync(join(runs, id, 'report.html')));

    const { chromium } = await import(pathToFileURL(join((browser as { dir: string }).dir, 'node_modules', 'playwright-core', 'index.mjs')).href) as typeof import('playwright-core');
    const b = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    try {
      const page = await b.newPage({ viewport: { width: 1100, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (q) => { if (!q.url().startsWith('file:')) problems.push(`request: ${q.url()}`); });
      await page.goto(pathToFileURL(out).href);
      await page.waitForSelector('body[data-rendered]', { timeout: 30_000 });
      assert.deepEqual(problems, []);

      // Every chart: its series computed paths, and its canvas holds colored pixels (grid, axes
      // and step bands are gray or nearly white; the series are the only saturated marks).
      const plots = await page.evaluate(() => (window as unknown as { ktstrReport: { plots: { kind: string; title: string; plot: any }[] } }).ktstrReport.plots.map((p) => {
        const u = p.plot;
        const canvas = u.root.querySelector('canvas') as HTMLCanvasElement;
        const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let colored = 0;
        for (let i = 0; i < px.length; i += 4) if (px[i + 3]! > 0 && Math.max(px[i]!, px[i + 1]!, px[i + 2]!) - Math.min(px[i]!, px[i + 1]!, px[i + 2]!) > 60) colored++;
        const series = u.series.slice(1);
        return { kind: p.kind, title: p.title, series: series.length, drawn: series.filter((s: any) => s._paths && (s._paths.stroke || s._paths.fill)).length, colored };
      })) as PlotCheck[];
      const kinds = plots.map((p) => p.kind);
      // Two cells that ran a scenario: each has a timeline, worker iterations and run delays.
      for (const k of ['timeline', 'worker-iterations', 'run-delay']) assert.equal(kinds.filter((x) => x === k).length, 2, `${k} in ${kinds.join(', ')}`);
      for (const p of plots) {
        assert.ok(p.series > 0 && p.drawn === p.series, `${p.kind} "${p.title}": ${p.drawn} of ${p.series} series drawn`);
        assert.ok(p.colored > 200, `${p.kind} "${p.title}": only ${p.colored} colored pixels`);
      }

      // Failed first, with its reason; the regressed cell marked in the summary and the comparison.
      const rows = await page.$$eval('#summary tbody tr', (trs) => trs.map((tr) => ({
        status: tr.getAttribute('data-status'), cls: tr.className, cells: [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''),
      })));
      assert.deepEqual(rows.map((x) => x.status), ['failed', 'passed']);
      assert.match(rows[0]!.cells[0]!, new RegExp(`^${FAILING}/`));
      assert.ok(rows[0]!.cells.at(-1)!.endsWith(`iterations ${HOSTILE}`), rows[0]!.cells.at(-1));
      assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
      assert.match(rows[1]!.cls, /\bregressed\b/);
      // Throughput is judged as iterations per VM CPU second under TCG, as totalIterations under KVM.
      const throughput = /^(totalIterations|iterationsPerVmCpuS)$/;
      assert.match(rows[1]!.cells[1]!, /regressed: (totalIterations|iterationsPerVmCpuS)/);
      const regressed = await page.$$eval('#comparison tr.verdict-regressed', (trs) => trs.map((tr) => ({
        metric: tr.querySelector('td')?.textContent, background: getComputedStyle(tr.querySelector('td')!).backgroundColor,
      })));
      assert.equal(regressed.length, 1, JSON.stringify(regressed));
      assert.match(regressed[0]!.metric ?? '', throughput);
      assert.equal(regressed[0]!.background, 'rgb(255, 227, 227)', 'a regression is highlighted');

      // Per cell: runqueue and event charts where the monitor read the cell, the reason where not.
      const sections = await page.$$eval('details.cell', (ss) => ss.map((s) => ({
        cell: s.getAttribute('data-cell'), runqueue: s.querySelectorAll('[data-chart="runqueue"]').length, events: s.querySelectorAll('[data-chart="events"]').length,
        absent: s.querySelector('.monitor-absent')?.textContent ?? null,
      })));
      assert.equal(sections.length, 2);
      for (const s of sections) assert.ok(s.runqueue === 1 ? s.absent === null : /^no monitor data/.test(s.absent ?? ''), JSON.stringify(s));
      const withMonitor = sections.find((s) => s.cell?.startsWith(FAILING));
      assert.equal(withMonitor?.runqueue, 1);
      assert.equal(withMonitor?.events, 1);
      // The failure's detail lines come from the run's records (results.json), not the cell's file.
      const failedRecord = (JSON.parse(readFileSync(join(runs, id, 'results.json'), 'utf8')) as { cells: { name: string; detail?: string[] }[] })
        .cells.find((c) => c.name.startsWith(FAILING));
      assert.ok(failedRecord?.detail?.length, `the failed cell's record has detail lines: ${JSON.stringify(failedRecord)?.slice(0, 500)}`);
      const shownDetail = await page.locator(`details.cell[data-cell^="${FAILING}"] pre.detail`).textContent();
      assert.equal(shownDetail, failedRecord.detail.join('\n'));

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'report-1-page.png'), fullPage: true });
      await page.locator('#summary').screenshot({ path: join(ARTIFACTS, 'report-2-summary.png') });
      await page.locator('#comparison').screenshot({ path: join(ARTIFACTS, 'report-3-comparison.png') });
      await page.locator(`details.cell[data-cell^="${FAILING}"]`).screenshot({ path: join(ARTIFACTS, 'report-4-failed-cell.png') });

      // With replicas, a change past both gates that the replicas cannot tell from their own
      // scatter is shown as held back, not as a regression: two runs of the passing cell, three
      // replicas each, whose worst gaps scatter widely (means 600 -> 1333 ms, p about 0.4).
      const passed = (await readCellsParquet(join(runs, id, 'cells.parquet'))).find((c) => c.status === 'passed')!;
      const replicated = async (runId: string, gaps: number[]) => {
        mkdirSync(join(runs, runId));
        writeFileSync(join(runs, runId, 'run.json'), JSON.stringify({ ...meta, id: runId, cells: 3, passed: 3, failed: 0, skipped: 0 }));
        await writeCellsParquet(join(runs, runId, 'cells.parquet'), gaps.map((g, i) => ({
          ...passed, run: runId, name: `${passed.cell}${i ? `#${i + 1}` : ''}`, replica: i + 1, detail: null, metrics: { ...passed.metrics, worstGapMs: g },
        })));
      };
      await replicated('20000102T000000Z-a0a0a0', [100, 300, 1400]);
      await replicated('20000103T000000Z-b0b0b0', [200, 1500, 2300]);
      const noisyOut = join(runs, 'noisy.html');
      const noisy = ktstr(['report', '20000103T000000Z-b0b0b0', '--baseline', '20000102T000000Z-a0a0a0', '--runs-dir', runs, '-o', noisyOut, '--json']);
      assert.equal(noisy.status, 0, noisy.stderr);
      assert.equal(JSON.parse(noisy.stdout).regressions, 0);
      await page.goto(pathToFileURL(noisyOut).href);
      await page.waitForSelector('body[data-rendered]', { timeout: 30_000 });
      const held = await page.$$eval('#comparison tr.within-noise', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
      assert.equal(held.length, 1, JSON.stringify(held));
      assert.deepEqual(held[0]!.slice(0, 3), ['worstGapMs', '600 ±650', '1333 ±1050']);
      assert.match(held[0]!.at(-1)!, /^within noise \(p 0\.\d+\)$/);
      assert.match(await page.locator('#comparison p.meta').first().textContent() ?? '', /0 regression\(s\).*1 change\(s\) held back as the replicas do not tell them from noise/);
      assert.deepEqual(problems, []);
    } finally {
      await b.close();
    }
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
});
