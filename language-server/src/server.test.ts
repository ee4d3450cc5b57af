/**
 * The server over stdio with a real JSON-RPC client (vscode-jsonrpc): initialize on a fixture
 * workspace, open and edit a file, receive diagnostics and CodeLens, hover, complete, ask for
 * a quick fix, and execute a command.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

const SERVER = fileURLToPath(new URL('../dist/server.js', import.meta.url));

const SCHEDULERS = `import { declareScheduler } from '@ktstr/core';
export const SIMPLE = declareScheduler({ name: 'simple', binary: 'scx_simple', topology: { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 } });
`;
const TEST_FILE = `import { ktstrTest, cgroup, hold, work } from '@ktstr/core';
import { SIMPLE } from './schedulers.js';

ktstrTest('fair', { scheduler: SIMPLE, minLlcs: 2, maxCpus: 8 }, async (vm) => {
  await vm.run([cgroup('a', { workers: 2, work: work.spinWait() })], hold.fraction(1));
});
`;

interface Diag { message: string; code: string; severity: number; range: { start: { line: number; character: number }; end: { line: number; character: number } } }

function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-lsp-'));
  mkdirSync(join(dir, 'tests'));
  writeFileSync(join(dir, 'tests', 'schedulers.ts'), SCHEDULERS);
  writeFileSync(join(dir, 'tests', 'fair.test.ts'), TEST_FILE);
  return dir;
}

test('initialize, open, edit, diagnostics, CodeLens, hover, completion, executeCommand', { skip: existsSync(SERVER) ? false : `${SERVER} is not built; run npx tsc -b` }, async () => {
  const dir = fixture();
  const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  after(() => {
    conn.dispose();
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  const diagnostics = new Map<string, Diag[][]>();
  const waiters: (() => void)[] = [];
  conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Diag[] }) => {
    diagnostics.set(p.uri, [...(diagnostics.get(p.uri) ?? []), p.diagnostics]);
    waiters.splice(0).forEach((w) => w());
  });
  conn.onNotification('window/logMessage', () => {});
  conn.onRequest('workspace/configuration', () => []);
  conn.onRequest('client/registerCapability', () => null);
  conn.listen();
  const nextDiagnostics = async (uri: string, count: number): Promise<Diag[]> => {
    while ((diagnostics.get(uri)?.length ?? 0) < count) await new Promise<void>((r) => waiters.push(r));
    return diagnostics.get(uri)![count - 1]!;
  };

  const root = pathToFileURL(dir).href;
  const init = await conn.sendRequest('initialize', {
    processId: process.pid, rootUri: root, workspaceFolders: [{ uri: root, name: 'fixture' }], capabilities: {},
    initializationOptions: { kernels: ['7.2.0'] },
  }) as { capabilities: Record<string, unknown> };
  assert.ok(init.capabilities.codeLensProvider);
  await conn.sendNotification('initialized', {});

  const uri = pathToFileURL(join(dir, 'tests', 'fair.test.ts')).href;
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version: 1, text: TEST_FILE } });
  assert.deepEqual(await nextDiagnostics(uri, 1), []);

  const lenses = await conn.sendRequest('textDocument/codeLens', { textDocument: { uri } }) as { command: { title: string; command: string; arguments: [{ cells: { name: string }[] }] } }[];
  assert.deepEqual(lenses.map((l) => l.command.title), ['Run (2 cells)', 'Run on topology…', 'Debug cell…']);
  assert.deepEqual(lenses[0]!.command.arguments[0].cells.map((c) => c.name), ['fair/tiny-2llc/7.2.0', 'fair/smt-2llc/7.2.0']);

  // A one-character edit that makes the gates contradict: minLlcs 2 -> 9 (maxCpus 8).
  const line = TEST_FILE.split('\n').findIndex((l) => l.includes('minLlcs'));
  const col = TEST_FILE.split('\n')[line]!.indexOf('minLlcs: 2') + 'minLlcs: '.length;
  await conn.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [{ range: { start: { line, character: col }, end: { line, character: col + 1 } }, text: '9' }],
  });
  const after1 = await nextDiagnostics(uri, 2);
  assert.equal(after1.length, 2, JSON.stringify(after1));
  assert.ok(after1.every((d) => d.code === 'gates' && /no x86_64 preset passes these gates/.test(d.message)));
  assert.deepEqual(after1.map((d) => d.range.start), [{ line, character: col - 'minLlcs: '.length }, { line, character: TEST_FILE.split('\n')[line]!.indexOf('maxCpus') }]);

  const hover = await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character: 3 } }) as { contents: { value: string } };
  assert.match(hover.contents.value, /Cells: known at run time/);

  const completion = await conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: line + 1, character: TEST_FILE.split('\n')[line + 1]!.indexOf('spinWait') } }) as { label: string }[];
  assert.ok(completion.some((c) => c.label === 'futexPingPong'), JSON.stringify(completion.map((c) => c.label)));

  // A scenario one admitted preset cannot run: a warning on the spec and a quick fix adding the gate.
  const gauntletUri = pathToFileURL(join(dir, 'tests', 'gauntlet.test.ts')).href;
  const gauntletText = `import { ktstrTest, cgroup, cpuset, hold, work, SCX_KTSTR } from '@ktstr/core';

ktstrTest('spread', { scheduler: SCX_KTSTR, maxLlcs: 2 }, async (vm) => {
  await vm.run([cgroup('a', { cpuset: cpuset.llc(1), workers: 2, work: work.spinWait() })], hold.fraction(1));
});
`;
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: gauntletUri, languageId: 'typescript', version: 1, text: gauntletText } });
  const [warning, ...others] = await nextDiagnostics(gauntletUri, 1);
  assert.deepEqual(others, []);
  assert.equal(warning!.code, 'scenario');
  assert.equal(warning!.severity, 2);
  assert.match(warning!.message, /^On tiny-1llc/);
  const actions = await conn.sendRequest('textDocument/codeAction', {
    textDocument: { uri: gauntletUri }, range: warning!.range, context: { diagnostics: [warning] },
  }) as { title: string; kind: string; isPreferred: boolean; edit: { changes: Record<string, { range: unknown; newText: string }[]> } }[];
  assert.equal(actions[0]!.title, "Add minLlcs: 2 to the test's gates (2 cells left)");
  assert.equal(actions[0]!.kind, 'quickfix');
  assert.equal(actions[0]!.isPreferred, true);
  const at = { line: 2, character: gauntletText.split('\n')[2]!.indexOf('maxLlcs: 2') + 'maxLlcs: 2'.length };
  assert.deepEqual(actions[0]!.edit.changes[gauntletUri], [{ range: { start: at, end: at }, newText: ', minLlcs: 2' }]);
  // core's own scheduler expands like a workspace one: cells, not "computed at run time".
  const builtinLenses = await conn.sendRequest('textDocument/codeLens', { textDocument: { uri: gauntletUri } }) as { command: { title: string } }[];
  assert.equal(builtinLenses[0]!.command.title, 'Run (3 cells)');

  const listed = await conn.sendRequest('workspace/executeCommand', { command: 'ktstr.server.listTests', arguments: [] }) as { test: string; cells: unknown[]; unresolved?: string }[];
  assert.deepEqual(listed.map((t) => [t.test, t.cells.length, t.unresolved]).sort(), [['fair', 0, 'the gates are invalid'], ['spread', 3, undefined]]);
  await conn.sendRequest('shutdown');
});
