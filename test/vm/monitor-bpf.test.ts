// The host walks a running scheduler's BPF state in guest memory: maps from map_idr (the .bss
// globals decoded with the map's own BTF read out of the guest, a per-CPU array, a hash),
// programs from prog_idr with their verified instructions and run statistics, and a write of a
// global from the host that changes what the scheduler does while it runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { CellVm, SCX_KTSTR } from '@ktstr/core';
import { readElfBtf } from '../../core/src/monitor/btf/load.js';
import { BtfError } from '../../core/src/monitor/btf/btf-error.js';
import { KernelProgram } from '../../core/src/monitor/program.js';
import { BpfState } from '../../core/src/monitor/bpf/bpf-state.js';
import type { BpfMapInfo } from '../../core/src/monitor/bpf/maps.js';
import type { BpfProgInfo } from '../../core/src/monitor/bpf/programs.js';
import { bpfStatsEnabled } from '../../core/src/monitor/bpf/programs.js';
import { isUnavailable, Unavailable } from '../../core/src/monitor/unavailable.js';
import { captureKernelSymbols } from '../../core/src/runner/symbol-capture.js';
import { skipReason, testKernel } from './cell-env.js';

const STATS_AFTER_S = 20;

/** Polls `read` until it gives a value `ok` accepts, or fails with the last value. */
async function until<T>(what: string, read: () => T, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = read();
    if (ok(v)) return v;
    assert.ok(Date.now() - t0 < timeoutMs, `${what}: not within ${timeoutMs} ms (last: ${String(v)})`);
    await sleep(200);
  }
}

const u64 = (v: unknown, what: string): bigint => {
  assert.equal(typeof v, 'bigint', `${what}: ${String(v)}`);
  return v as bigint;
};

test('the host reads scx-ktstr\'s maps and programs from guest memory and changes its behaviour by writing a global', { skip: skipReason, timeout: 400_000 }, async () => {
  const kernel = await testKernel();
  const linked = await captureKernelSymbols(kernel);
  const vmlinux = readElfBtf(kernel.vmlinux!);
  if (vmlinux instanceof BtfError) throw vmlinux;
  const cell = await CellVm.boot({
    name: 'monitor/bpf', kernel, topology: { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 }, scheduler: SCX_KTSTR, durationMs: 1000,
  });
  // Wakeups all along (each sleep is a wakeup through select_cpu); run statistics switched on
  // only after a while, so the first reads see them off.
  const exec = '(while :; do sleep 0.01; done) & (while :; do sleep 0.013; done) & '
    + `sleep ${STATS_AFTER_S}; echo 1 > /proc/sys/kernel/bpf_stats_enabled; echo stats-on; sleep 600`;
  const run = cell.runCommand({ exec }).catch((e: Error) => e);
  try {
    const prog = KernelProgram.open(cell.ramNodes, linked, { writable: true });
    assert.ok(prog instanceof KernelProgram, String(prog));
    const bpf = BpfState.open(prog, vmlinux);
    assert.ok(bpf instanceof BpfState, String(bpf));

    // Attached: the loader has created the maps once the struct_ops programs are in prog_idr.
    const t0 = Date.now();
    const bss = await until('the scheduler\'s .bss map', () => bpf.map('.bss'), (m) => !isUnavailable(m), 120_000) as BpfMapInfo;
    process.stderr.write(`monitor-bpf: .bss found ${Date.now() - t0} ms after boot\n`);
    const maps = (bpf.maps() as (BpfMapInfo | Unavailable)[]).filter((m): m is BpfMapInfo => !isUnavailable(m));
    process.stderr.write(`monitor-bpf: maps ${maps.map((m) => `${m.id}:${m.name}(${m.type},k${m.keySize},v${m.valueSize},n${m.maxEntries},${m.flagNames.join('|') || '-'})`).join(' ')}\n`);
    assert.equal(bss.type, 'array');
    assert.equal(bss.maxEntries, 1);
    assert.ok(bss.flagNames.includes('mmapable'), 'libbpf makes global data mmapable');
    assert.ok(maps.some((m) => m.name.endsWith('.rodata')), 'the .rodata map');
    const byName = (n: string) => maps.find((m) => m.name === n);
    assert.equal(byName('pcpu_stats')?.type, 'percpu_array');
    assert.equal(byName('wake_cpus')?.type, 'hash');
    assert.equal(byName('wake_cpus')?.keySize, 4);
    assert.equal(byName('wake_cpus')?.valueSize, 8);

    // Globals by name, typed by the map's BTF read out of the guest.
    const g = bpf.globals('.bss');
    assert.ok(!isUnavailable(g), String(g));
    for (const name of ['nr_enqueued', 'nr_direct', 'nr_dispatched', 'nr_delayed', 'delayed_ns', 'host_delay_us']) u64(g[name], name);
    assert.equal(g.host_delay_us, 0n);
    const ro = bpf.globals('.rodata');
    assert.ok(!isUnavailable(ro), String(ro));
    assert.equal(ro.dispatch_delay_us, 0n);
    assert.equal(ro.stall_comm, '', 'a char array reads as a string');
    const enq0 = await until('enqueues', () => u64(bpf.readGlobal('.bss', 'nr_enqueued'), 'nr_enqueued'), (n) => n > 0n, 30_000);
    assert.equal(bpf.readGlobal('.bss', 'nr_delayed'), 0n, 'no delays before the host asks for them');
    // The uei struct in .data: a field by path.
    assert.equal(typeof bpf.readGlobal('.data', 'uei.kind'), 'number');

    // The per-CPU counter: one struct per CPU, summing to no more than the global count.
    const pcpu = bpf.arrayValue('pcpu_stats', 0);
    assert.ok(Array.isArray(pcpu) && pcpu.length === 2, `one value per CPU: ${String(pcpu)}`);
    const pcpuEnq = (pcpu as { enqueues: bigint }[]).reduce((s, v) => s + u64(v.enqueues, 'enqueues'), 0n);
    assert.ok(pcpuEnq > 0n, `per-CPU enqueues ${pcpuEnq}`);
    // The hash: CPU → direct inserts, keys among the guest's CPUs.
    const wake = bpf.hashEntries('wake_cpus');
    assert.ok(!isUnavailable(wake), String(wake));
    assert.equal(wake.truncated, undefined);
    assert.ok(wake.entries.length >= 1 && wake.entries.every((e) => e.key === 0 || e.key === 1), JSON.stringify(wake.entries, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
    for (const e of wake.entries) assert.ok(u64(e.value, 'wake count') > 0n);
    process.stderr.write(`monitor-bpf: nr_enqueued ${enq0}, per-CPU enqueues ${pcpuEnq}, wake_cpus ${wake.entries.map((e) => `${e.key}:${e.value}`).join(' ')}\n`);

    // Programs: every struct_ops op of the fixture, verified, with its ops member.
    const progs = (bpf.programs() as (BpfProgInfo | Unavailable)[]).filter((p): p is BpfProgInfo => !isUnavailable(p));
    const ops = progs.filter((p) => p.type === 'struct_ops');
    process.stderr.write(`monitor-bpf: struct_ops ${ops.map((p) => `${p.id}:${p.name}(${String(p.attachFuncName)},${p.verifiedInsns})`).join(' ')}\n`);
    const members = ops.map((p) => p.attachFuncName).filter((n): n is string => typeof n === 'string').sort();
    assert.deepEqual(members, ['dispatch', 'dump', 'enable', 'enqueue', 'exit', 'init', 'running', 'select_cpu', 'stopping']);
    for (const p of ops) {
      assert.ok(p.verifiedInsns > 0 && p.insns > 0, `${p.name}: verified ${p.verifiedInsns}`);
      assert.ok(p.name.startsWith('ktstr_'), p.name);
    }
    const selectCpu = ops.find((p) => p.attachFuncName === 'select_cpu')!;
    if (bpfStatsEnabled(prog) === false) {
      assert.ok(selectCpu.runCount instanceof Unavailable, 'no run count while the kernel does not count');
      assert.match(selectCpu.runCount.unavailable, /bpf_stats_enabled is 0/);
    }

    // The host write: delays start, each at least what was asked, with no reload.
    const before = { n: u64(bpf.readGlobal('.bss', 'nr_delayed'), 'nr_delayed'), ns: u64(bpf.readGlobal('.bss', 'delayed_ns'), 'delayed_ns') };
    assert.equal(bpf.writeGlobal('.bss', 'host_delay_us', 500), undefined);
    assert.equal(bpf.readGlobal('.bss', 'host_delay_us'), 500n, 'the write reads back');
    const n1 = await until('delays after the host write', () => u64(bpf.readGlobal('.bss', 'nr_delayed'), 'nr_delayed'), (n) => n >= before.n + 20n, 60_000);
    const ns1 = u64(bpf.readGlobal('.bss', 'delayed_ns'), 'delayed_ns');
    const perDelay = Number(ns1 - before.ns) / Number(n1 - before.n);
    process.stderr.write(`monitor-bpf: after host_delay_us=500: ${n1 - before.n} delays, ${(perDelay / 1000).toFixed(0)} us each\n`);
    assert.ok(perDelay >= 500_000, `each delay lasts the 500 us written (${perDelay} ns)`);
    // And back: the delays stop.
    assert.equal(bpf.writeGlobal('.bss', 'host_delay_us', 0), undefined);
    await sleep(1000);
    const n2 = u64(bpf.readGlobal('.bss', 'nr_delayed'), 'nr_delayed');
    await sleep(2000);
    assert.equal(bpf.readGlobal('.bss', 'nr_delayed'), n2, 'no delays once the host writes 0');
    assert.ok(u64(bpf.readGlobal('.bss', 'nr_enqueued'), 'nr_enqueued') > enq0, 'still scheduling');

    // Array values: a field of an element, and one CPU's copy of a per-CPU element.
    assert.equal(bpf.writeArrayValue('reject_probe', 0, 'slots[3]', 42n), undefined);
    const probe = bpf.arrayValue('reject_probe', 0) as { slots: bigint[] };
    assert.deepEqual(probe.slots, [0n, 0n, 0n, 42n, 0n, 0n, 0n, 0n]);
    assert.equal(bpf.writeArrayValue('pcpu_stats', 0, 'dispatches', 1n << 40n, 1), undefined);
    const perCpu = bpf.arrayValue('pcpu_stats', 0) as { dispatches: bigint }[];
    assert.ok(perCpu[1]!.dispatches >= 1n << 40n && perCpu[0]!.dispatches < 1n << 40n, 'only CPU 1\'s copy was written');
    const outside = bpf.writeArrayValue('reject_probe', 1, '', 0);
    assert.ok(outside instanceof Unavailable && /index 1 outside 0..0/.test(outside.unavailable), String(outside));

    // Refusals name what is wrong.
    const bad = bpf.writeGlobal('.bss', 'no_such_knob', 1);
    assert.ok(bad instanceof Unavailable && /no global 'no_such_knob'.*host_delay_us/.test(bad.unavailable), String(bad));
    const wide = bpf.writeGlobal('.rodata', 'verifier_reject', 2 ** 40);
    assert.ok(wide instanceof Unavailable && /does not fit/.test(wide.unavailable), String(wide));

    // Run statistics, once the workload switched them on.
    await until('kernel.bpf_stats_enabled', () => bpfStatsEnabled(prog), (v) => v === true, (STATS_AFTER_S + 60) * 1000);
    const counted = await until('select_cpu runs counted', () => {
      const p = (bpf.programs() as BpfProgInfo[]).find((x) => x.id === selectCpu.id)!;
      return p.runCount;
    }, (c) => typeof c === 'bigint' && c > 0n, 30_000);
    const withTime = (bpf.programs() as BpfProgInfo[]).find((x) => x.id === selectCpu.id)!;
    process.stderr.write(`monitor-bpf: select_cpu ran ${String(counted)} times, ${String(withTime.runTimeNs)} ns\n`);
    assert.ok(typeof withTime.runTimeNs === 'bigint' && withTime.runTimeNs > 0n);
  } finally {
    await cell.destroy();
    await run;
  }
});
