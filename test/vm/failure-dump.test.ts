// A failed cell's dump, from a real scheduler failing in a real kernel: the fixture's error knob
// (scx_bpf_error) and stall knob (the watchdog) each give a dump whose BUG SUMMARY names the
// kernel's reason, with the kernel's exit dump cut into its parts, the scheduler's BPF maps
// decoded with their BTF from the powered-off guest, the monitor's last readings, the timeline
// and the console; `ktstr test` writes it as JSON into the run's directory and prints it, for an
// assertion failure too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CellVm, SCX_KTSTR, SchedulerExitError, cgroup, collectFailureDump, hold, monitorSettings, renderFailureDump, work, writeFailureDump,
  type FailureDump, type MapDump,
} from '@ktstr/core';
import { skipReason, testKernel } from './cell-env.js';

const root = join(import.meta.dirname, '..', '..');
const topology = { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 };

async function dumpOfExit(name: string, extraSchedArgs: string[], cgroups: Parameters<CellVm['run']>[0]): Promise<FailureDump> {
  const vm = await CellVm.boot({
    name, kernel: await testKernel(), topology, scheduler: SCX_KTSTR, extraSchedArgs, durationMs: 8000,
    monitor: monitorSettings({}, name),
  });
  try {
    await vm.run(cgroups, hold.fraction(1));
    assert.fail(`${name}: the scheduler was expected to exit`);
  } catch (e) {
    if (!(e instanceof SchedulerExitError)) throw e;
    const t0 = performance.now();
    const dump = collectFailureDump(name, e, { cellVm: vm, lastResult: e.result });
    // What a dump costs the failed cell (the maps' part is in the dump): for the report, not judged.
    process.stderr.write(`${name}: dump made in ${(performance.now() - t0).toFixed(1)} ms, maps read in ${'readMs' in dump.bpfMaps ? dump.bpfMaps.readMs : '-'} ms\n`);
    process.stderr.write(renderFailureDump(dump));
    return dump;
  } finally {
    await vm.destroy();
  }
}

function map(dump: FailureDump, suffix: string): MapDump {
  assert.ok(!('unavailable' in dump.bpfMaps), `maps not read: ${JSON.stringify(dump.bpfMaps)}`);
  const m = dump.bpfMaps.maps.find((x) => x.name.endsWith(suffix));
  assert.ok(m, `no map ending in ${suffix}: ${dump.bpfMaps.maps.map((x) => x.name).join(', ')}`);
  return m;
}

/** What every scheduler-exit dump of the fixture must carry. */
function assertCommonParts(dump: FailureDump): void {
  assert.equal(dump.kind, 'scheduler-exit');
  const x = dump.exitDump;
  assert.ok(x, `no exit dump: ${dump.exitDumpMissing}`);
  // The agent's copy from the kernel's trace event, not the loader's.
  assert.equal(x.source, 'trace-event');
  assert.ok(x.backtrace.length > 0, 'the exit dump has a backtrace');
  // The kernel leaves out CPUs with nothing to say (idle, no sched_ext task queued).
  assert.ok(x.cpus.length >= 1 && x.cpus.every((c) => c.cpu === 0 || c.cpu === 1), `CPU states: ${x.cpus.map((c) => c.cpu)}`);
  assert.ok(x.cpus.some((c) => c.fields.nr_run !== undefined), 'a CPU line carries nr_run');
  assert.ok(Object.keys(x.events).some((k) => k.startsWith('SCX_EV_')), 'the event counters are parsed');
  // ops.dump of the fixture prints its counters.
  assert.ok(x.opsDump.some((l) => /ktstr: enqueues=\d+/.test(l)), x.opsDump.join('\n'));
  // Typed fields of the .bss DATASEC, a per-CPU array's struct per CPU and a hash's entries.
  const bss = map(dump, '.bss');
  assert.equal(typeof bss.globals?.nr_enqueued, 'number');
  assert.ok((bss.globals!.nr_enqueued as number) > 0);
  const pcpu = map(dump, 'pcpu_stats');
  const perCpu = pcpu.elements?.[0]?.value as { enqueues: number; dispatches: number }[];
  assert.equal(perCpu.length, 2);
  assert.ok(perCpu.every((v) => typeof v.enqueues === 'number' && typeof v.dispatches === 'number'));
  assert.ok(map(dump, 'wake_cpus').entries !== undefined);
  assert.ok(dump.monitor.samples.length > 0, `no monitor samples: ${dump.monitor.reason}`);
  assert.ok(dump.monitor.samples.some((s) => Array.isArray((s.data as { cpus?: unknown }).cpus)));
  assert.ok(dump.timeline.some((e) => e.kind === 'step_start'), 'the timeline has the step start');
  assert.ok(dump.consoleTail.length > 0);
  const text = renderFailureDump(dump);
  const order = ['BUG SUMMARY:', '--- kernel sched_ext exit dump', '--- monitor:', '--- BPF maps:', '--- timeline', '--- console'].map((h) => text.indexOf(h));
  assert.ok(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!)), `sections out of order: ${order}`);
  // The JSON file: written atomically, and it parses back to the same dump.
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-dump-'));
  try {
    const [file] = writeFailureDump([dir], dump);
    assert.deepEqual(JSON.parse(readFileSync(file!, 'utf8')), JSON.parse(JSON.stringify(dump)));
    assert.deepEqual(readdirSync(dir), [file!.slice(dir.length + 1)], 'no temporary file left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the error knob\'s dump names scx_bpf_error and its message, with the exit dump and the maps', { skip: skipReason, timeout: 240_000 }, async () => {
  const dump = await dumpOfExit('dump/error', ['--error-after', '200'], [cgroup('load', { workers: 2, work: work.yieldHeavy() })]);
  assert.match(dump.bugSummary, /scx_bpf_error.*error knob fired after 200 enqueues/);
  assertCommonParts(dump);
  // The error fired on the 200th enqueue: the counter the maps hold is at least that.
  assert.ok((map(dump, '.bss').globals!.nr_enqueued as number) >= 200);
});

test('the stall knob\'s dump names the watchdog\'s stall and the stalled task', { skip: skipReason, timeout: 240_000 }, async () => {
  const dump = await dumpOfExit('dump/stall', ['--stall-comm', 'victim', '--timeout-ms', '2000'], [
    cgroup('victim', { workers: 1, work: work.spinWait(), comm: 'victim' }),
    cgroup('other', { workers: 1, work: work.spinWait() }),
  ]);
  assert.match(dump.bugSummary, /stall.*victim/i);
  assertCommonParts(dump);
  assert.ok((map(dump, '.bss').globals!.nr_stalled as number) >= 1);
});

test('a verifier rejection\'s dump shows the folded verifier log and names the refused program', { skip: skipReason, timeout: 240_000 }, async () => {
  const dump = await dumpOfExit('dump/verifier', ['--verifier-reject', '9'], [cgroup('a', { workers: 1, work: work.spinWait() })]);
  assert.equal(dump.kind, 'verifier-rejection');
  assert.match(dump.bugSummary, /^the verifier rejected program ktstr_init of scheduler/);
  assert.ok(dump.verifierLogs?.length === 1 && dump.verifierLogs[0]!.log.length > 0);
  assert.match(renderFailureDump(dump), /--- verifier log of ktstr_init \(repeated loop bodies folded\) ---/);
});

test('ktstr test writes an assertion failure\'s dump into the run and prints it', { skip: skipReason, timeout: 400_000 }, () => {
  const runs = mkdtempSync(join(tmpdir(), 'ktstr-dump-runs-'));
  try {
    const r = spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), 'test', join(root, 'test/fixtures/failure-dump.ktstr.ts'), '--json', '--runs-dir', runs], {
      cwd: root, encoding: 'utf8', timeout: 380_000,
    });
    assert.equal(r.status, 1, r.stderr.slice(-3000));
    const [cell] = JSON.parse(r.stdout).cells as Record<string, any>[];
    assert.equal(cell.status, 'failed');
    assert.match(cell.bugSummary, /iterationsAtLeast|iterations/);
    const dump = JSON.parse(readFileSync(cell.failureDump, 'utf8')) as FailureDump;
    assert.equal(dump.kind, 'assertion');
    assert.equal(typeof map(dump, '.bss').globals?.nr_enqueued, 'number');
    assert.ok(dump.timeline.length > 0 && dump.monitor.samples.length > 0);
    // Printed in order, and stored in the run's directory.
    assert.match(r.stderr, /BUG SUMMARY: [^\n]*iterations/);
    assert.ok(r.stderr.indexOf('BUG SUMMARY:') < r.stderr.indexOf('--- BPF maps:'));
    const [run] = readdirSync(runs).filter((d) => !d.startsWith('.'));
    const stored = readdirSync(join(runs, run!)).filter((f) => f.endsWith('.failure-dump.json'));
    assert.equal(stored.length, 1, readdirSync(join(runs, run!)).join(', '));
    assert.equal((JSON.parse(readFileSync(join(runs, run!, stored[0]!), 'utf8')) as FailureDump).cell, cell.name);
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
});
