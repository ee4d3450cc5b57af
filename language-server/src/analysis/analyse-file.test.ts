import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Workspace } from './workspace.js';
import type { FileAnalysis } from './types.js';

const KERNELS = ['7.2.0'];
const IMPORTS = "import { declareScheduler, ktstrTest, cgroup, cpuset, hold, work } from '@ktstr/core';\n";

function workspace(files: Record<string, string>): Workspace {
  const ws = new Workspace({ kernels: KERNELS, arch: 'x86_64' });
  for (const [p, text] of Object.entries(files)) ws.setFile(`/ws/${p}`, text);
  return ws;
}

function analyse(files: Record<string, string>, path = 'a.test.ts'): FileAnalysis {
  return workspace(files).analyse(`/ws/${path}`)!;
}

/** The source text a problem's range covers. */
function covered(text: string, a: FileAnalysis, code: string): string[] {
  const lines = text.split('\n');
  return a.problems.filter((p) => p.code === code).map((p) => {
    const { start, end } = p.range;
    if (start.line === end.line) return lines[start.line]!.slice(start.character, end.character);
    return [lines[start.line]!.slice(start.character), ...lines.slice(start.line + 1, end.line), lines[end.line]!.slice(0, end.character)].join('\n');
  });
}

const SCHED = `${IMPORTS}export const S = declareScheduler({ name: 'simple', binary: 'scx_simple', topology: { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 } });\n`;

test('a test with literal gates expands to the passing presets times the kernels', () => {
  const text = `${SCHED}ktstrTest('t', { scheduler: S, minLlcs: 2, maxCpus: 8 }, async (vm) => {});\n`;
  const a = analyse({ 'a.test.ts': text });
  assert.deepEqual(a.problems, []);
  const t = a.tests[0]!;
  assert.equal(t.name, 't');
  assert.equal(t.scheduler?.name, 'simple');
  assert.deepEqual(t.cells.map((c) => c.name), ['t/tiny-2llc/7.2.0', 't/smt-2llc/7.2.0']);
  assert.equal(t.cells.find((c) => c.home)?.preset, 'tiny-2llc');
});

test('a scheduler imported through a re-export and options held in a constant resolve', () => {
  const files = {
    'sched.ts': SCHED,
    'index.ts': "export { S as SIMPLE } from './sched.js';\nexport * from './more.js';\n",
    'more.ts': "export const GATES = { minNumaNodes: 2 } as const;\n",
    'a.test.ts': `${IMPORTS}import { SIMPLE, GATES } from './index.js';\nconst OPTS = { scheduler: SIMPLE, ...GATES, durationMs: 3 * 1000 };\nktstrTest('numa', OPTS, async () => {});\n`,
  };
  const a = analyse(files);
  const t = a.tests[0]!;
  assert.equal(t.scheduler?.name, 'simple');
  assert.ok(t.cells.length > 0);
  assert.ok(t.cells.every((c) => c.topology.numaNodes >= 2), 'only NUMA presets pass minNumaNodes 2');
  // The scheduler's 1-node topology fails minNumaNodes: warned on the scheduler property.
  const w = a.problems.find((p) => p.code === 'scheduler-topology');
  assert.ok(w, JSON.stringify(a.problems));
  assert.match(w.message, /default topology 1n2l2c1t is outside this test's gates \(1 NUMA nodes < minNumaNodes 2\)/);
});

test('contradictory gates are an error on the min property, saying what to change', () => {
  const text = `${IMPORTS}ktstrTest('t', { minLlcs: 4, maxLlcs: 2 }, async () => {});\n`;
  const a = analyse({ 'a.test.ts': text });
  assert.deepEqual(covered(text, a, 'gates'), ['minLlcs: 4']);
  assert.match(a.problems[0]!.message, /^minLlcs is above maxLlcs \(2\).*Lower minLlcs or raise maxLlcs/);
  assert.deepEqual(a.tests[0]!.cells, []);
});

test('gates no preset satisfies are an error on each gate set', () => {
  const text = `${IMPORTS}ktstrTest('t', { minCpus: 4096, requiresSmt: true }, async () => {});\n`;
  const a = analyse({ 'a.test.ts': text });
  assert.deepEqual(covered(text, a, 'gates'), ['minCpus: 4096', 'requiresSmt: true']);
  assert.match(a.problems[0]!.message, /no x86_64 preset passes these gates/);
});

test('performanceMode with noPerfMode is an error on noPerfMode', () => {
  const text = `${IMPORTS}ktstrTest('t', { performanceMode: true,\n  noPerfMode: true }, async () => {});\n`;
  const a = analyse({ 'a.test.ts': text });
  assert.deepEqual(covered(text, a, 'gates'), ['noPerfMode: true']);
});

test('config pairing both ways', () => {
  const withFile = `${IMPORTS}const C = declareScheduler({ name: 'c', binary: 'b', configFile: '/etc/c.json' });\n`
    + "ktstrTest('missing', { scheduler: C }, async () => {});\nktstrTest('ok', { scheduler: C, config: '{}' }, async () => {});\n";
  const a = analyse({ 'a.test.ts': withFile });
  assert.deepEqual(covered(withFile, a, 'config-pairing'), ['scheduler: C']);
  const without = `${SCHED}ktstrTest('extra', { scheduler: S, config: '{}' }, async () => {});\n`;
  const b = analyse({ 'a.test.ts': without });
  assert.deepEqual(covered(without, b, 'config-pairing'), ["config: '{}'"]);
});

test('invalid durations and counts, unknown work types and preset names', () => {
  const text = `${IMPORTS}ktstrTest('t', { durationMs: 1.5, memoryMiB: -1, topology: 'tiny-3llc' }, async (vm) => {\n`
    + "  await vm.run([cgroup('a', { workers: 1, work: work.spinWiat() })], hold.fraction(1));\n});\n";
  const a = analyse({ 'a.test.ts': text });
  assert.deepEqual(covered(text, a, 'count'), ['durationMs: 1.5', 'memoryMiB: -1']);
  assert.deepEqual(covered(text, a, 'preset'), ["topology: 'tiny-3llc'"]);
  assert.match(a.problems.find((p) => p.code === 'preset')!.message, /tiny-1llc, tiny-2llc/);
  assert.deepEqual(covered(text, a, 'work-type'), ['spinWiat']);
});

test('scenario literals the validator rejects are reported on the cgroup property', () => {
  const text = `${SCHED}ktstrTest('t', { scheduler: S, maxLlcs: 2 }, async (vm) => {\n`
    + "  await vm.run([\n    cgroup('a', { cpuset: cpuset.llc(1), workers: 2, work: work.spinWait() }),\n"
    + "    cgroup('b', { workers: 0, work: work.mixed() }),\n  ], hold.fraction(1));\n});\n";
  const a = analyse({ 'a.test.ts': text });
  assert.deepEqual(covered(text, a, 'scenario'), ['workers: 0']);
  assert.equal(a.problems.find((p) => p.code === 'scenario')!.severity, 'error');
});

test('a cpuset that exists only on some gauntlet shapes is a warning naming the shape', () => {
  const text = `${SCHED}ktstrTest('t', { scheduler: S, maxLlcs: 2 }, async (vm) => {\n`
    + "  await vm.run([cgroup('a', { cpuset: cpuset.llc(1), workers: 2, work: work.spinWait() })], hold.fraction(1));\n});\n";
  const a = analyse({ 'a.test.ts': text });
  const p = a.problems.find((x) => x.code === 'scenario')!;
  assert.equal(p.severity, 'warning');
  assert.match(p.message, /On tiny-1llc .*LLC 1 does not exist/);
  assert.deepEqual(covered(text, a, 'scenario'), ['cpuset: cpuset.llc(1)']);
});

test('values computed at run time are information, and no cells are guessed', () => {
  const text = `${IMPORTS}const n = Number(process.env.N);\nktstrTest('t', { minLlcs: n }, async () => {});\n`;
  const a = analyse({ 'a.test.ts': text });
  assert.deepEqual(a.problems.map((p) => [p.severity, p.code]), [['information', 'runtime']]);
  assert.match(a.problems[0]!.message, /gates computed at run time/);
  assert.deepEqual(a.tests[0]!.cells, []);
  assert.equal(a.tests[0]!.unresolved, 'gates computed at run time');
});

test('scheduler declarations are validated by core and reported on the property', () => {
  const text = `${IMPORTS}export const BAD = declareScheduler({ name: 'bad name', binary: 'x' });\n`
    + "export const T = declareScheduler({ name: 'ok', binary: 'x', topology: { numaNodes: 1, llcs: 0, coresPerLlc: 2 } });\n";
  const a = analyse({ 'a.test.ts': text });
  assert.deepEqual(covered(text, a, 'scheduler'), ["name: 'bad name'", 'llcs: 0']);
  assert.deepEqual(a.schedulers.map((s) => s.binding), ['BAD', 'T']);
});

test('an edit re-analyses the edited file and its dependents only', () => {
  const ws = workspace({
    'sched.ts': SCHED,
    'a.test.ts': `${IMPORTS}import { S } from './sched.js';\nktstrTest('a', { scheduler: S }, async () => {});\n`,
    'b.test.ts': `${IMPORTS}ktstrTest('b', {}, async () => {});\n`,
  });
  for (const p of ws.paths()) ws.analyse(p);
  assert.deepEqual(ws.setFile('/ws/b.test.ts', `${IMPORTS}ktstrTest('b', { minLlcs: 2 }, async () => {});\n`), ['/ws/b.test.ts']);
  const touched = ws.setFile('/ws/sched.ts', SCHED.replace("'simple'", "'renamed'"));
  assert.deepEqual(touched.sort(), ['/ws/a.test.ts', '/ws/sched.ts']);
  assert.equal(ws.analyse('/ws/a.test.ts')!.tests[0]!.scheduler?.name, 'renamed');
});

test('a test without a scheduler expands as core declares it: home on the default topology', () => {
  const text = `${IMPORTS}ktstrTest('base', { maxCpus: 4 }, async () => {});\n`;
  const t = analyse({ 'a.test.ts': text }).tests[0]!;
  assert.equal(t.scheduler, undefined);
  assert.deepEqual(t.cells.map((c) => [c.preset, c.home, c.scheduler]), [['tiny-1llc', false, 'eevdf'], ['tiny-2llc', true, 'eevdf']]);
});

test('an invalid duration is reported once, as a count', () => {
  const text = `${IMPORTS}ktstrTest('d', { durationMs: 0 }, async () => {});\n`;
  const a = analyse({ 'a.test.ts': text });
  assert.deepEqual(a.problems.map((p) => p.code), ['count']);
});
