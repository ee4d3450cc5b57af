import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Workspace } from './workspace.js';
import type { FileAnalysis, Fix } from './types.js';

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
  assert.deepEqual(covered(text, a, 'scenario'), ['cpuset.llc(1)']);
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

/** `text` with a fix's edits applied (last first, so earlier offsets stay valid). */
function applyFix(text: string, fix: Fix): string {
  const offset = (p: { line: number; character: number }) => text.split('\n').slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  let out = text;
  for (const e of [...fix.edits].sort((a, b) => offset(b.range.start) - offset(a.range.start))) {
    out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  }
  return out;
}

const fixesOf = (a: FileAnalysis, code: string) => a.problems.find((p) => p.code === code)?.fixes ?? [];

test('a scenario some admitted preset cannot run gets the gates that fix it, the one keeping most cells first', () => {
  const text = `${SCHED}ktstrTest('t', { scheduler: S, maxLlcs: 2 }, async (vm) => {\n`
    + "  await vm.run([cgroup('a', { cpuset: cpuset.llc(1), workers: 2, work: work.spinWait() })], hold.fraction(1));\n});\n";
  const a = analyse({ 'a.test.ts': text });
  const p = a.problems.find((x) => x.code === 'scenario')!;
  assert.match(p.message, /On tiny-1llc \(1n1l4c1t, a gauntlet cell\).*minLlcs: 2 would keep the test to shapes where the scenario fits/);
  // With maxLlcs 2 the shapes are tiny-1llc, tiny-2llc and smt-2llc: minNumaNodes cannot help.
  assert.deepEqual(p.fixes!.map((f) => [f.title, f.preferred]), [
    ["Add minLlcs: 2 to the test's gates (2 cells left)", true],
    ["Add minCpus: 8 to the test's gates (1 cell left)", false],
    ["Add requiresSmt: true to the test's gates (1 cell left)", false],
  ]);
  const fixed = applyFix(text, p.fixes![0]!);
  assert.match(fixed, /\{ scheduler: S, maxLlcs: 2, minLlcs: 2 \}/);
  const after = analyse({ 'a.test.ts': fixed });
  assert.deepEqual(after.problems, []);
  assert.deepEqual(after.tests[0]!.cells.map((c) => c.preset), ['tiny-2llc', 'smt-2llc']);
});

test('a scenario that fails on the home topology is an error whose fix moves the home', () => {
  const text = `${SCHED}ktstrTest('t', { scheduler: S }, async (vm) => {\n`
    + "  await vm.run([cgroup('a', { cpuset: cpuset.node(1), workers: 1, work: work.spinWait() })], hold.fraction(1));\n});\n";
  const a = analyse({ 'a.test.ts': text });
  const p = a.problems.find((x) => x.code === 'scenario')!;
  assert.equal(p.severity, 'error');
  assert.match(p.message, /^On tiny-2llc \(1n2l2c1t, the home topology\): .*NUMA node 1 does not exist/);
  assert.deepEqual(p.fixes!.map((f) => f.title), ["Add minNumaNodes: 2 to the test's gates (5 cells left)"]);
  const fixed = applyFix(text, p.fixes![0]!);
  assert.match(fixed, /ktstrTest\('t', \{ scheduler: S, minNumaNodes: 2 \}/);
  const after = analyse({ 'a.test.ts': fixed });
  assert.deepEqual(after.problems.filter((x) => x.code === 'scenario'), []);
  assert.equal(after.tests[0]!.cells.find((c) => c.home)?.preset, 'numa2-4llc');
});

test('the gate fix replaces a gate already written, and wraps options held in a constant', () => {
  const body = "async (vm) => {\n  await vm.run([cgroup('a', { cpuset: cpuset.llc(2), workers: 1, work: work.spinWait() })], hold.fraction(1));\n}";
  const own = `${IMPORTS}ktstrTest('t', {\n  minLlcs: 2,\n}, ${body});\n`;
  const p = analyse({ 'a.test.ts': own }).problems.find((x) => x.code === 'scenario')!;
  assert.equal(p.fixes![0]!.title, "Add minLlcs: 3 to the test's gates (21 cells left)");
  assert.match(applyFix(own, p.fixes![0]!), /\{\n {2}minLlcs: 3,\n\}/);
  const held = `${IMPORTS}const OPTS = { durationMs: 1000 };\nktstrTest('t', OPTS, ${body});\n`;
  const q = analyse({ 'a.test.ts': held }).problems.find((x) => x.code === 'scenario')!;
  const fixed = applyFix(held, q.fixes![0]!);
  assert.match(fixed, /ktstrTest\('t', \{ \.\.\.OPTS, minLlcs: 3 \}/);
  assert.deepEqual(analyse({ 'a.test.ts': fixed }).problems, []);
});

test('a CPU beyond the smallest shapes is fixed by the gate that keeps most cells, whichever gate it is', () => {
  const text = `${IMPORTS}ktstrTest('t', {}, async (vm) => {\n`
    + "  await vm.run([cgroup('a', { cpuset: cpuset.exact([0, 5]), workers: 1, work: work.spinWait() })], hold.fraction(1));\n});\n";
  const p = analyse({ 'a.test.ts': text }).problems.find((x) => x.code === 'scenario')!;
  assert.match(p.message, /names CPU 5/);
  // minCpus 6 leaves out the two 4-CPU presets; minLlcs 3 would also drop smt-2llc (8 CPUs).
  assert.deepEqual(p.fixes!.slice(0, 2).map((f) => f.title), ["Add minCpus: 6 to the test's gates (22 cells left)", "Add minLlcs: 3 to the test's gates (21 cells left)"]);
  assert.match(applyFix(text, p.fixes![0]!), /ktstrTest\('t', \{ minCpus: 6 \}/);
});

test('a concrete CPU list in ranOnlyOn is a warning where a cell lacks the CPUs; the fix is the cgroup\'s own cpuset', () => {
  const text = `${SCHED}ktstrTest('t', { scheduler: S, minLlcs: 2 }, async (vm) => {\n`
    + "  const r = await vm.run([cgroup('a', { cpuset: cpuset.llc(1), workers: 2, work: work.spinWait() })], hold.fraction(1));\n"
    + "  r.expect.noStall().ranOnlyOn([4, 5, 6, 7], 'a');\n  r.expect.ranOnlyOn([0, 1], 'a');\n});\n";
  const a = analyse({ 'a.test.ts': text });
  assert.deepEqual(covered(text, a, 'cpu-list'), ['[4, 5, 6, 7]']);
  const p = a.problems.find((x) => x.code === 'cpu-list')!;
  assert.equal(p.severity, 'warning');
  assert.match(p.message, /^On tiny-2llc \(1n2l2c1t, the home topology\): CPUs 4-7 do not exist \(4 CPUs\)/);
  assert.deepEqual(p.fixes!.map((f) => f.title), ["Replace with cpuset.llc(1), cgroup a's cpuset"]);
  const fixed = applyFix(text, p.fixes![0]!);
  assert.match(fixed, /ranOnlyOn\(cpuset\.llc\(1\), 'a'\)/);
  assert.deepEqual(analyse({ 'a.test.ts': fixed }).problems.filter((x) => x.code === 'cpu-list'), []);
});

test('without a cgroup cpuset, the CPU list becomes the home LLC holding exactly those CPUs, importing cpuset', () => {
  const text = "import { declareScheduler, ktstrTest, cgroup, hold, work } from '@ktstr/core';\n"
    + "const W = declareScheduler({ name: 'w', binary: 'w', topology: { numaNodes: 1, llcs: 2, coresPerLlc: 4, threadsPerCore: 1 } });\n"
    + "ktstrTest('t', { scheduler: W }, async (vm) => {\n"
    + "  const r = await vm.run([cgroup('b', { workers: 2, work: work.spinWait() })], hold.fraction(1));\n"
    + "  r.expect.inCgroup('b').ranOnlyOn([4, 5, 6, 7]);\n});\n";
  const p = analyse({ 'a.test.ts': text }).problems.find((x) => x.code === 'cpu-list')!;
  assert.match(p.message, /^On tiny-1llc \(1n1l4c1t, a gauntlet cell\): CPUs 4-7 do not exist/);
  assert.deepEqual(p.fixes!.map((f) => f.title), ['Replace with cpuset.llc(1), the same CPUs on 1n2l4c1t']);
  const fixed = applyFix(text, p.fixes![0]!);
  assert.match(fixed, /^import \{ declareScheduler, ktstrTest, cgroup, hold, work, cpuset \} from '@ktstr\/core';/);
  assert.match(fixed, /ranOnlyOn\(cpuset\.llc\(1\)\)/);
});

test('core\'s own SCX_KTSTR expands like a workspace scheduler, named or through a namespace', () => {
  const named = "import { ktstrTest, SCX_KTSTR as K } from '@ktstr/core';\nktstrTest('t', { scheduler: K, maxCpus: 8 }, async () => {});\n";
  const a = analyse({ 'a.test.ts': named });
  assert.deepEqual(a.problems, []);
  const t = a.tests[0]!;
  assert.equal(t.unresolved, undefined);
  assert.equal(t.scheduler?.name, 'scx-ktstr');
  assert.equal(t.scheduler?.binary, 'scx-ktstr');
  assert.deepEqual(t.cells.map((c) => [c.preset, c.home, c.scheduler]), [['tiny-1llc', false, 'scx-ktstr'], ['tiny-2llc', true, 'scx-ktstr'], ['smt-2llc', false, 'scx-ktstr']]);
  const ns = "import * as k from '@ktstr/core';\nk.ktstrTest('t', { scheduler: k.SCX_KTSTR, minNumaNodes: 2 }, async () => {});\n";
  const b = analyse({ 'a.test.ts': ns });
  assert.equal(b.tests[0]!.scheduler?.name, 'scx-ktstr');
  assert.ok(b.tests[0]!.cells.length > 0);
  // Its 1-node default topology is outside minNumaNodes 2, as for any scheduler.
  assert.deepEqual(b.problems.map((p) => p.code), ['scheduler-topology']);
  // Re-exported through a workspace file.
  const re = analyse({ 'index.ts': "export { SCX_KTSTR } from '@ktstr/core';\n", 'a.test.ts': "import { ktstrTest } from '@ktstr/core';\nimport { SCX_KTSTR } from './index.js';\nktstrTest('t', { scheduler: SCX_KTSTR }, async () => {});\n" });
  assert.equal(re.tests[0]!.cells.find((c) => c.home)?.preset, 'tiny-2llc');
});

test('a cpuset spec in ranOnlyOn that some cell lacks is reported like a scenario\'s, with the gate that fixes it', () => {
  const text = `${SCHED}ktstrTest('t', { scheduler: S, maxCpus: 16 }, async (vm) => {\n`
    + "  const r = await vm.run([cgroup('a', { workers: 2, work: work.spinWait() })], hold.fraction(1));\n"
    + "  r.expect.ranOnlyOn(cpuset.llc(3), 'a');\n});\n";
  const a = analyse({ 'a.test.ts': text });
  assert.deepEqual(covered(text, a, 'cpu-list'), ['cpuset.llc(3)']);
  const p = a.problems.find((x) => x.code === 'cpu-list')!;
  assert.equal(p.severity, 'error');
  assert.match(p.message, /^On tiny-2llc \(1n2l2c1t, the home topology\): cpuset\.llc\(3\): LLC 3 does not exist/);
  assert.equal(p.fixes![0]!.title, "Add minLlcs: 4 to the test's gates (3 cells left)"); // odd-5llc, odd-7llc, numa2-4llc
  const fixed = applyFix(text, p.fixes![0]!);
  assert.match(fixed, /\{ scheduler: S, maxCpus: 16, minLlcs: 4 \}/);
  assert.deepEqual(analyse({ 'a.test.ts': fixed }).problems.filter((x) => x.code === 'cpu-list'), []);
});
