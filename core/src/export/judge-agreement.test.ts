// The runfile's awk judge against expect.ts: the same assertions over the same messages must
// pass and fail alike, with the same failure text after the cell name. Run with busybox awk
// (what a runfile gets inside a ktstr VM and on minimal targets) and with the system's awk.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GuestMessage } from '../channel/messages.js';
import { CellResult } from '../result/cell-result.js';
import { analyzeMessages } from '../result/scenario-analysis.js';
import { stepCpusets } from '../result/step-cpusets.js';
import { Expectation } from '../result/expect.js';
import { cpuset } from '../scenario/index.js';
import type { Topology } from '../topology/topology.js';
import { threeStepMessages } from '../result/fixtures/three-step-messages.js';
import { goodPlacement, swapLlcs, swapLlcsMessages, tiny2llc } from '../result/fixtures/swap-llcs.js';
import { checksFile, type RecordedCheck, recordingExpectation } from './recorded-checks.js';
import { EVALUATE_AWK } from './evaluate-awk.js';

const dir = mkdtempSync(join(tmpdir(), 'ktstr-judge-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'evaluate.awk'), EVALUATE_AWK);
const AWKS = [['busybox', 'awk'], ['awk']].filter(([cmd]) => spawnSync(cmd!, ['--help']).error === undefined);

type Assertion = (e: Expectation) => unknown;

function tsVerdict(messages: GuestMessage[], topology: Topology, cpusets: ReturnType<typeof stepCpusets> | undefined, a: Assertion): string | null {
  const x = analyzeMessages(messages);
  const r = new CellResult({ cell: 'cell', kernel: 'k', topology, accel: 'tcg', scheduler: 'ktstr', bootedHow: 'cold', bootMs: 0, readyMs: 0, durationMs: 0,
    ...x, ...(cpusets ? { cpusets } : {}), schedulerExit: null, messages, consoleLog: '' });
  try {
    a(r.expect);
    return null;
  } catch (e) {
    return (e as Error).message.replace(/^cell: /, '');
  }
}

function awkVerdict(awk: string[], messages: GuestMessage[], topology: Topology, cpusets: ReturnType<typeof stepCpusets>, a: Assertion): { message: string | null; out: { verdict: string; checks: { ok: boolean; message?: string }[] } } {
  const checks: RecordedCheck[] = [];
  a(recordingExpectation(checks, topology) as Expectation);
  writeFileSync(join(dir, 'checks'), checksFile(checks, cpusets));
  const withDone = messages.some((m) => m.type === 'done') ? messages : [...messages, { type: 'done', t_ms: 1, ok: true } as GuestMessage];
  writeFileSync(join(dir, 'messages.jsonl'), withDone.map((m) => JSON.stringify(m)).join('\n') + '\n');
  const r = spawnSync(awk[0]!, [...awk.slice(1), '-f', join(dir, 'evaluate.awk'), join(dir, 'checks'), join(dir, 'messages.jsonl')], { encoding: 'utf8' });
  assert.equal(r.stderr, '', `${awk.join(' ')}: ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  assert.equal(r.status, out.verdict === 'pass' ? 0 : 1);
  return { message: out.checks.find((c: { ok: boolean }) => !c.ok)?.message ?? null, out };
}

const threeStepCpusets = [
  { step: 'warmup', cgroups: { a: { spec: 'all', cpus: [0, 1, 2, 3] }, b: { spec: 'all', cpus: [0, 1, 2, 3] } } },
  { step: 'shuffle', cgroups: { a: { spec: '0', cpus: [0] }, b: { spec: 'all', cpus: [0, 1, 2, 3] } } },
  { step: 'drain', cgroups: { b: { spec: 'all', cpus: [0, 1, 2, 3] } } },
];

const cases: [string, GuestMessage[], Topology, ReturnType<typeof stepCpusets>, Assertion, boolean][] = [
  ['noStall whole run', threeStepMessages, tiny2llc, threeStepCpusets, (e) => e.noStall(), true],
  ['gapBelowMs fails on a/1 over the run', threeStepMessages, tiny2llc, threeStepCpusets, (e) => e.gapBelowMs(50), false],
  ['gapBelowMs in a step passes', threeStepMessages, tiny2llc, threeStepCpusets, (e) => e.inStep('warmup').gapBelowMs(50), true],
  ['gapBelowMs in a step and cgroup fails', threeStepMessages, tiny2llc, threeStepCpusets, (e) => e.inStep('shuffle').inCgroup('a').gapBelowMs(50), false],
  ['everyWorkerIterationsAtLeast on step deltas', threeStepMessages, tiny2llc, threeStepCpusets, (e) => e.inStep('shuffle').everyWorkerIterationsAtLeast(100), false],
  ['iterationsAtLeast in a cgroup', threeStepMessages, tiny2llc, threeStepCpusets, (e) => e.inCgroup('b').iterationsAtLeast(651), false],
  ['iterationsAtLeast met', threeStepMessages, tiny2llc, threeStepCpusets, (e) => e.inCgroup('b').iterationsAtLeast(650), true],
  ['migrationsBelow', threeStepMessages, tiny2llc, threeStepCpusets, (e) => e.migrationsBelow(82), false],
  ['migrationsAtLeast in a step', threeStepMessages, tiny2llc, threeStepCpusets, (e) => e.inStep('drain').migrationsAtLeast(11), true],
  ['migrationRatioBelow', threeStepMessages, tiny2llc, threeStepCpusets, (e) => e.migrationRatioBelow(0.2), false],
  ['spreadBelow', threeStepMessages, tiny2llc, threeStepCpusets, (e) => e.spreadBelow(0.3), false],
  ['spreadBelow met', threeStepMessages, tiny2llc, threeStepCpusets, (e) => e.inCgroup('a').spreadBelow(0.4), true],
  ['wakeLatencyBelowUs', threeStepMessages, tiny2llc, threeStepCpusets, (e) => e.wakeLatencyBelowUs(100), false],
  ['minorFaultsAtLeast', threeStepMessages, tiny2llc, threeStepCpusets, (e) => e.minorFaultsAtLeast(931), false],
  ['voluntarySwitchesAtLeast', threeStepMessages, tiny2llc, threeStepCpusets, (e) => e.voluntarySwitchesAtLeast(253), true],
  ['ranOnlyOnItsCpuset, good placement', swapLlcsMessages(goodPlacement['tiny-2llc']), tiny2llc, stepCpusets(swapLlcs, tiny2llc), (e) => e.ranOnlyOnItsCpuset(), true],
  ['ranOnlyOnItsCpuset, a worker off its cpuset after the swap', swapLlcsMessages([[[0, 1], [1], [2, 3]], [[2, 3], [1], [0, 1]], [[0], [1], [0]]]), tiny2llc, stepCpusets(swapLlcs, tiny2llc), (e) => e.ranOnlyOnItsCpuset(), false],
  ['ranOnlyOn a resolved cpuset for one cgroup', swapLlcsMessages(goodPlacement['tiny-2llc']), tiny2llc, stepCpusets(swapLlcs, tiny2llc), (e) => e.inStep('start').ranOnlyOn(cpuset.llc(1), 'b'), true],
  ['ranOnlyOn fails over the whole run', swapLlcsMessages(goodPlacement['tiny-2llc']), tiny2llc, stepCpusets(swapLlcs, tiny2llc), (e) => e.ranOnlyOn([0, 1], 'b'), false],
];

for (const awk of AWKS) {
  test(`${awk.join(' ')}: the runfile's judge agrees with expect.ts, message for message`, () => {
    for (const [what, messages, topology, cpusets, a, passes] of cases) {
      const ts = tsVerdict(messages, topology, cpusets, a);
      assert.equal(ts === null, passes, `${what}: expect.ts says ${ts}`);
      const { message } = awkVerdict(awk, messages, topology, cpusets, a);
      if (passes) {
        assert.equal(message, null, `${what}: the judge failed it: ${message}`);
      } else if (/ranOnlyOn/.test(what)) {
        // The cpuset is named by spec on the host ("its cpuset llc(1) = CPUs 2,3 on ..."), by CPUs in the runfile.
        assert.equal(message?.split(' outside ')[0], ts!.split(' outside ')[0], what);
      } else {
        assert.equal(message, ts, what);
      }
    }
  });
}

test('a scheduler exit fails noStall and the verdict; a run without done is cut short', () => {
  const exit = [...threeStepMessages, { type: 'sched_exit', t_ms: 2, phase: 'run', state: 'disabled', reason: 'runnable task stall', dmesg: [], output: '', exit_status: null } as GuestMessage];
  const { out } = awkVerdict(AWKS[0]!, exit, tiny2llc, threeStepCpusets, (e) => e.noStall());
  assert.equal(out.verdict, 'fail');
  assert.match(out.checks[0]!.message!, /scheduler exited during run: runnable task stall/);
});
