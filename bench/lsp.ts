/**
 * bench/lsp: the language server on a generated 100-file workspace (10 scheduler files behind a
 * re-exporting index, 90 test files of 3 tests each with gates and scenarios).
 *  - cold discovery: parse every file and analyse every test (target < 2 s);
 *  - edit: a one-character change in a test file, until its diagnostics are computed, both
 *    in process (incremental) and over stdio (didChange -> publishDiagnostics); p95 < 100 ms;
 *  - baseline: the same edit followed by a full re-analysis of the workspace, in this run;
 *    printed as the ratio incremental / full.
 *
 *   node --import tsx bench/lsp.ts          (KTSTR_BENCH_ROUNDS=N edits, default 60)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { Workspace } from '../language-server/src/analysis/workspace.js';

const ROUNDS = Number(process.env.KTSTR_BENCH_ROUNDS ?? 60);
const SCHEDULER_FILES = 10;
const TEST_FILES = 90;
const SETTINGS = { kernels: ['7.2.0'], arch: 'x86_64' as const };

function schedulerFile(i: number): string {
  return `import { declareScheduler } from '@ktstr/core';
export const SCHED_${i} = declareScheduler({
  name: 'sched-${i}', binary: 'scx_sched_${i}', schedArgs: ['-v'],
  topology: { numaNodes: 1, llcs: ${1 + (i % 4)}, coresPerLlc: 2, threadsPerCore: 1 },
});
`;
}

function testFile(i: number): string {
  const tests = [0, 1, 2].map((k) => `ktstrTest('t${i}-${k}', { scheduler: SCHED_${(i + k) % SCHEDULER_FILES}, minLlcs: ${1 + k}, maxCpus: ${16 * (k + 1)}, durationMs: 2000 },
  async (vm) => {
    const r = await vm.run([
      cgroup('a', { cpuset: cpuset.llc(0), workers: 2, work: work.spinWait() }),
      cgroup('b', { workers: ${1 + k}, work: work.pipeIo({ burstUs: 200 }) }),
    ], hold.fraction(1));
    r.expect.noStall();
  });
`).join('\n');
  return `import { ktstrTest, cgroup, cpuset, hold, work } from '@ktstr/core';
import { ${Array.from({ length: SCHEDULER_FILES }, (_, s) => `SCHED_${s}`).join(', ')} } from '../schedulers/index.js';

${tests}`;
}

function generate(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-bench-lsp-'));
  mkdirSync(join(dir, 'schedulers'));
  mkdirSync(join(dir, 'tests'));
  for (let i = 0; i < SCHEDULER_FILES; i++) writeFileSync(join(dir, 'schedulers', `s${i}.ts`), schedulerFile(i));
  writeFileSync(join(dir, 'schedulers', 'index.ts'), Array.from({ length: SCHEDULER_FILES }, (_, i) => `export * from './s${i}.js';`).join('\n'));
  for (let i = 0; i < TEST_FILES; i++) writeFileSync(join(dir, 'tests', `t${i}.test.ts`), testFile(i));
  return dir;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

/** The i-th edit: the first test's minLlcs 1 -> 2 in a rotating file (each file starts fresh). */
function edit(round: number): { path: string; text: string; line: number; col: number; char: string } {
  const file = round % TEST_FILES;
  const text = testFile(file);
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes('minLlcs: 1'));
  const col = lines[line]!.indexOf('minLlcs: 1') + 'minLlcs: '.length;
  const char = '2';
  lines[line] = lines[line]!.slice(0, col) + char + lines[line]!.slice(col + 1);
  return { path: `tests/t${file}.test.ts`, text: lines.join('\n'), line, col, char };
}

const dir = generate();
try {
  // Cold discovery, in process.
  let t0 = performance.now();
  const ws = new Workspace(SETTINGS);
  const files = ws.discover([dir]);
  const parsed = performance.now() - t0;
  const tests = ws.tests();
  const cold = performance.now() - t0;
  const cells = tests.reduce((n, t) => n + t.cells.length, 0);

  // One-character edits: incremental vs full re-analysis, alternating in this process.
  const incremental: number[] = [];
  const full: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const e = edit(r);
    const path = join(dir, e.path);
    t0 = performance.now();
    for (const p of ws.setFile(path, e.text)) ws.analyse(p);
    incremental.push(performance.now() - t0);
    const back = testFile(r % TEST_FILES);
    ws.setFile(path, back);
    for (const p of ws.paths()) ws.analyse(p);
    t0 = performance.now();
    ws.setFile(path, e.text);
    ws.analyseAllFresh();
    full.push(performance.now() - t0);
    ws.setFile(path, back);
  }

  // The same edits over stdio: didChange until publishDiagnostics for that file.
  const server = fileURLToPath(new URL('../language-server/dist/server.js', import.meta.url));
  const child = spawn(process.execPath, [server, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const waiting = new Map<string, () => void>();
  conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string }) => waiting.get(p.uri)?.());
  conn.onNotification('window/logMessage', () => {});
  conn.listen();
  const root = pathToFileURL(dir).href;
  t0 = performance.now();
  await conn.sendRequest('initialize', { processId: process.pid, rootUri: root, workspaceFolders: [{ uri: root, name: 'bench' }], capabilities: {}, initializationOptions: SETTINGS });
  await conn.sendNotification('initialized', {});
  // The first codeLens answer proves discovery finished (requests are answered in order).
  await conn.sendRequest('textDocument/codeLens', { textDocument: { uri: pathToFileURL(join(dir, 'tests', 't0.test.ts')).href } });
  const coldServer = performance.now() - t0;
  const overStdio: number[] = [];
  const versions = new Map<string, number>();
  for (let r = 0; r < ROUNDS; r++) {
    const e = edit(r);
    const uri = pathToFileURL(join(dir, e.path)).href;
    if (!versions.has(uri)) {
      versions.set(uri, 1);
      const opened = new Promise<void>((res) => waiting.set(uri, res));
      await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version: 1, text: testFile(r % TEST_FILES) } });
      await opened;
    }
    const v = versions.get(uri)! + 1;
    versions.set(uri, v);
    const got = new Promise<void>((res) => waiting.set(uri, res));
    t0 = performance.now();
    await conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: v },
      contentChanges: [{ range: { start: { line: e.line, character: e.col }, end: { line: e.line, character: e.col + 1 } }, text: e.char }],
    });
    await got;
    overStdio.push(performance.now() - t0);
  }
  await conn.sendRequest('shutdown');
  conn.dispose();
  child.kill();

  console.log(`bench/lsp: ${files} files, ${tests.length} tests, ${cells} cells; ${ROUNDS} one-character edits`);
  console.log(`  cold discovery (in process):   ${fmt(cold)}   target < 2000 ms ${cold < 2000 ? 'OK' : 'MISSED'} (parse ${fmt(parsed)}, analysis ${fmt(cold - parsed)})`);
  console.log(`  cold discovery (server):       ${fmt(coldServer)} (process start, initialize, discovery, first answer)`);
  console.log(`  edit -> diagnostics, incremental: p50 ${fmt(pct(incremental, 50))}  p95 ${fmt(pct(incremental, 95))}`);
  console.log(`  edit -> diagnostics, over stdio:  p50 ${fmt(pct(overStdio, 50))}  p95 ${fmt(pct(overStdio, 95))}   target p95 < 100 ms ${pct(overStdio, 95) < 100 ? 'OK' : 'MISSED'}`);
  console.log(`  baseline full re-analysis:        p50 ${fmt(pct(full, 50))}  p95 ${fmt(pct(full, 95))}`);
  console.log(`  ratio incremental / full (p95):   ${(pct(incremental, 95) / pct(full, 95)).toFixed(3)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
