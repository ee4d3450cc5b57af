// Post-attach snapshots: a cell whose scheduler attached cleanly is saved, and later cells of the
// same launch start from it with the scheduler already running. What one of them does to the
// scheduler's BPF state is gone in the next; a scheduler that fails to load never comes from a
// snapshot; and the fixture's failure knobs give the same verdicts with and without them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CellVm, SCX_KTSTR, SchedulerExitError, cgroup, hold, listSnapshots, work, type CellPlan } from '@ktstr/core';
import { readElfBtf } from '../../core/src/monitor/btf/load.js';
import { BtfError } from '../../core/src/monitor/btf/btf-error.js';
import { KernelProgram } from '../../core/src/monitor/program.js';
import { BpfState } from '../../core/src/monitor/bpf/bpf-state.js';
import type { BpfMapInfo } from '../../core/src/monitor/bpf/maps.js';
import { isUnavailable } from '../../core/src/monitor/unavailable.js';
import { captureKernelSymbols } from '../../core/src/runner/symbol-capture.js';
import { discardSnapshot } from '../../core/src/snapshot/snapshot-store.js';
import { skipReason, testKernel } from './cell-env.js';

const topology = { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 };
const RESTORED = 'restored, scheduler attached';

// A file of random content injected with the scheduler gives this run launches of its own: the
// first cell of each makes the snapshot, whatever other runs left in the store.
const scratch = mkdtempSync(join(tmpdir(), 'ktstr-attach-test-'));
const marker = join(scratch, 'run-marker');
writeFileSync(marker, randomBytes(16).toString('hex'));
const made = new Set<string>();

async function boot(name: string, extra: Partial<CellPlan> = {}): Promise<CellVm> {
  const vm = await CellVm.boot({
    name, kernel: await testKernel(), topology, scheduler: SCX_KTSTR, durationMs: 3000,
    includeFiles: [{ hostPath: marker, guestPath: '/etc/ktstr-attach-test' }], ...extra,
  });
  if (vm.attachKey && listSnapshots().some((s) => s.key === vm.attachKey)) made.add(vm.attachKey);
  return vm;
}

test.after(() => {
  for (const k of made) discardSnapshot(k);
  rmSync(scratch, { recursive: true, force: true });
});

const u64 = (v: unknown, what: string): bigint => {
  assert.equal(typeof v, 'bigint', `${what}: ${String(v)}`);
  return v as bigint;
};

test('a scenario\'s effect on the scheduler\'s maps is absent in the next cell restored from the same post-attach snapshot', { skip: skipReason, timeout: 400_000 }, async () => {
  const kernel = await testKernel();
  const linked = await captureKernelSymbols(kernel);
  const vmlinux = readElfBtf(kernel.vmlinux!);
  if (vmlinux instanceof BtfError) throw vmlinux;
  const openBpf = (vm: CellVm) => {
    const prog = KernelProgram.open(vm.ramNodes, linked, { writable: true });
    assert.ok(prog instanceof KernelProgram, String(prog));
    const bpf = BpfState.open(prog, vmlinux);
    assert.ok(bpf instanceof BpfState, String(bpf));
    return bpf;
  };

  // The first cell attaches for real and saves the snapshot.
  const first = await boot('attach/first');
  assert.notEqual(first.bootedHow, RESTORED, 'this run\'s launch has no snapshot yet');
  await first.run([cgroup('idle', { workers: 1, work: work.spinWait() })], hold.fixed(200));
  assert.equal(made.size, 1, 'the clean attach made one post-attach snapshot');

  // The second starts attached: the maps are there before any cell was sent.
  const second = await boot('attach/second');
  assert.equal(second.bootedHow, RESTORED);
  const bpf2 = openBpf(second);
  const bss2 = bpf2.map('.bss') as BpfMapInfo;
  assert.ok(!isUnavailable(bss2), String(bss2));
  const atRestore = u64(bpf2.readGlobal('.bss', 'nr_enqueued'), 'nr_enqueued');
  // Its scenario drives the counter up, and the host leaves a mark in another map.
  assert.equal(bpf2.writeArrayValue('reject_probe', 0, 'slots[3]', 0x5eedn), undefined);
  // Long enough for +500 enqueues on a slow host too (seen: +311 in 2 s in a busy suite).
  const run = second.run([cgroup('churn', { workers: 2, work: work.yieldHeavy() })], hold.fixed(5000));
  let during = atRestore;
  for (let i = 0; i < 100 && during < atRestore + 500n; i++) {
    await sleep(100);
    during = u64(bpf2.readGlobal('.bss', 'nr_enqueued'), 'nr_enqueued');
  }
  const r2 = await run;
  assert.equal(r2.scheduler, 'ktstr');
  assert.ok(during >= atRestore + 500n, `the scenario enqueued (${atRestore} -> ${during})`);
  process.stderr.write(`attach-snapshot: second cell nr_enqueued ${atRestore} at restore, ${during} during its scenario\n`);

  // The third starts from the same pristine state: neither the count nor the mark carried over.
  const third = await boot('attach/third');
  assert.equal(third.bootedHow, RESTORED);
  try {
    const bpf3 = openBpf(third);
    const bss3 = bpf3.map('.bss') as BpfMapInfo;
    assert.equal(bss3.id, bss2.id, 'the map ids are those of the snapshot');
    const fresh = u64(bpf3.readGlobal('.bss', 'nr_enqueued'), 'nr_enqueued');
    process.stderr.write(`attach-snapshot: third cell nr_enqueued ${fresh} at restore\n`);
    assert.ok(fresh < during, `the second cell's enqueues are gone (${fresh} < ${during})`);
    assert.ok(fresh < atRestore + 300n, `the count is the snapshot's, give or take idle wakeups (${fresh} vs ${atRestore})`);
    const probe = bpf3.arrayValue('reject_probe', 0) as { slots: bigint[] };
    assert.equal(probe.slots[3], 0n, 'the host\'s mark in the second cell is gone');
  } finally {
    await third.destroy();
  }
});

/** What a test sees of a cell: passed, or the scheduler's exit with its phase and kernel reason. */
async function verdict(name: string, schedArgs: string[], cgroups: Parameters<CellVm['run']>[0], freshAttach: boolean): Promise<{ verdict: string; how: string }> {
  let vm = await boot(name, { extraSchedArgs: schedArgs, freshAttach, durationMs: 6000 });
  if (!freshAttach && vm.bootedHow !== RESTORED) {
    // The first cell of a launch makes its snapshot (when it attaches): judge the next one.
    await vm.run(cgroups, hold.fraction(1)).catch(() => undefined);
    vm = await boot(name, { extraSchedArgs: schedArgs, freshAttach, durationMs: 6000 });
  }
  const how = vm.bootedHow;
  try {
    const r = await vm.run(cgroups, hold.fraction(1));
    return { verdict: `passed (${r.scheduler})`, how };
  } catch (e) {
    if (!(e instanceof SchedulerExitError)) throw e;
    const x = e.result.schedulerExit!;
    // The kernel's reason names the knob; its exact count or timing is not the verdict.
    const reason = /error knob/.test(x.reason) ? 'error knob' : /stall/i.test(x.reason) ? 'stall'
      : /exit knob|unregistered from BPF/.test(x.reason) ? 'exit knob' : x.phase === 'attach' ? 'load failed' : x.reason;
    return { verdict: `scheduler exit in ${x.phase}: ${reason}`, how };
  }
}

const KNOBS: { name: string; args: string[]; cgroups: Parameters<CellVm['run']>[0]; expect: RegExp }[] = [
  { name: 'clean', args: [], cgroups: [cgroup('load', { workers: 2, work: work.spinWait() })], expect: /^passed/ },
  { name: 'error-after', args: ['--error-after', '200'], cgroups: [cgroup('load', { workers: 2, work: work.yieldHeavy() })], expect: /run: error knob/ },
  { name: 'exit-after-ms', args: ['--exit-after-ms', '2500'], cgroups: [cgroup('load', { workers: 2, work: work.spinWait() })], expect: /run: exit knob/ },
  {
    name: 'stall-comm', args: ['--stall-comm', 'victim', '--timeout-ms', '2000'],
    cgroups: [cgroup('victim', { workers: 1, work: work.spinWait(), comm: 'victim' }), cgroup('other', { workers: 1, work: work.spinWait() })],
    expect: /run: stall/,
  },
  { name: 'verifier-reject', args: ['--verifier-reject', '12'], cgroups: [cgroup('load', { workers: 1, work: work.spinWait() })], expect: /attach: load failed/ },
];

for (const k of KNOBS) {
  test(`${k.name}: the same verdict from a post-attach snapshot as from a fresh attach`, { skip: skipReason, timeout: 400_000 }, async () => {
    const fresh = await verdict(`attach/${k.name}/fresh`, k.args, k.cgroups, true);
    const snap = await verdict(`attach/${k.name}/snapshot`, k.args, k.cgroups, false);
    process.stderr.write(`attach-snapshot: ${k.name}: fresh "${fresh.verdict}" (${fresh.how}), snapshot "${snap.verdict}" (${snap.how})\n`);
    assert.notEqual(fresh.how, RESTORED, 'freshAttach loads for real');
    assert.match(fresh.verdict, k.expect);
    assert.equal(snap.verdict, fresh.verdict);
    if (k.name === 'verifier-reject') assert.notEqual(snap.how, RESTORED, 'a rejected scheduler never comes from a snapshot');
    else assert.equal(snap.how, RESTORED, 'a clean attach is restored');
  });
}
