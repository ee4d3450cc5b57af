// What the host-side monitor reads from guest memory agrees with what the guest says about itself,
// under the fixture scheduler, on three topologies (two NUMA nodes; SMT; a small one), with KASLR
// on and off. Static values must match exactly: each rq.cpu, every CPU's sched_domain names and
// spans (against /proc/schedstat's domain lines), the scheduler's ops name (against
// /sys/kernel/sched_ext/root/ops). Counters must fall between the guest's own readings of
// /proc/schedstat taken just before and just after the host's: the guest prints a reading when
// the host asks (a file the host puts through the channel), and the host reads memory only after
// that reading has arrived and before it asks for the next, so the order is causal, not timed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { vmUnavailableReason } from '../../core/src/api/ktstr-test.js';
import { findCachedKernel } from '../../core/src/kernel/kernel-cache.js';
import { CellVm } from '../../core/src/runner/cell-vm.js';
import type { QemuVm } from '../../core/src/vm/qemu-backend.js';
import { encodePutFile } from '../../core/src/channel/framing.js';
import { SCX_KTSTR } from '../../core/src/fixture.js';
import { KernelProgram } from '../../core/src/monitor/program.js';
import { kernelBtf } from '../../core/src/monitor/kernel-btf.js';
import { BtfError } from '../../core/src/monitor/btf/btf-error.js';
import { readRunqueue } from '../../core/src/monitor/helpers/rq.js';
import { readSchedDomains } from '../../core/src/monitor/helpers/sched-domain.js';
import { parseProcSchedstat, readSchedstat, type ProcSchedstatCpu, type Schedstat } from '../../core/src/monitor/helpers/schedstat.js';
import { readSchedExtState, readWatchdogTimeout, writeWatchdogTimeout, type SchedExtEvents } from '../../core/src/monitor/helpers/sched-ext.js';
import { cpumaskHex } from '../../core/src/monitor/helpers/cpumask.js';
import { nrCpuIds } from '../../core/src/monitor/helpers/percpu.js';
import { isUnavailable, Unavailable } from '../../core/src/monitor/unavailable.js';
import { captureKernelSymbols } from '../../core/src/runner/symbol-capture.js';
import { totalCpus, type Topology } from '../../core/src/topology/topology.js';

const kernel = findCachedKernel();
const skip = vmUnavailableReason() ?? (kernel ? undefined : 'no kernel in the cache (ktstr kernel fetch)');
if (skip) process.stderr.write(`skipping the monitor agreement test: ${skip}\n`);

const ROUNDS = 3;

/**
 * The guest's side: schedstats on, one spinner pinned to the first and the last CPU (a lone
 * runnable task whose slice runs out is kept running: SCX_EV_DISPATCH_KEEP_LAST), short sleeps
 * for wakeups, and a /proc/schedstat reading each time the host puts /tmp/ktstr-req-N.
 */
const SCRIPT = `
echo 1 > /proc/sys/kernel/sched_schedstats
last=$(($(nproc) - 1))
taskset -c 0 sh -c 'while :; do :; done' & s1=$!
taskset -c $last sh -c 'while :; do :; done' & s2=$!
(while :; do usleep 2000; done) & s3=$!
echo "=== ops"; cat /sys/kernel/sched_ext/root/ops; echo "=== state"; cat /sys/kernel/sched_ext/state; echo "=== ready"
i=0
while [ ! -e /tmp/ktstr-stop ]; do
  if [ -e /tmp/ktstr-req-$i ]; then echo "=== begin $i"; cat /proc/schedstat; echo "=== end $i"; i=$((i+1)); else usleep 5000; fi
done
kill $s1 $s2 $s3
`;

const cases: { label: string; topology: Topology; kaslr: boolean }[] = [
  { label: 'numa2-4llc', topology: { numaNodes: 2, llcs: 4, coresPerLlc: 4, threadsPerCore: 1 }, kaslr: false },
  { label: 'numa2-4llc', topology: { numaNodes: 2, llcs: 4, coresPerLlc: 4, threadsPerCore: 1 }, kaslr: true },
  { label: 'smt-2llc', topology: { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 2 }, kaslr: true },
  { label: '1n2l2c1t', topology: { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 }, kaslr: true },
];

const COUNTERS = ['yldCount', 'schedCount', 'schedGoidle', 'ttwuCount', 'ttwuLocal', 'rqCpuTime', 'runDelay', 'pcount'] as const;

for (const { label, topology, kaslr } of cases) {
  test(`the monitor agrees with the guest (${label}, KASLR ${kaslr ? 'on' : 'off'}, scx-ktstr)`, { skip: skip ?? false, timeout: 600_000 }, async (t) => {
    const k = kernel!;
    const resolved = { label: k.release, vmlinuz: k.vmlinuz, vmlinux: k.vmlinux, config: k.config, systemMap: k.systemMap, how: 'cached' as const };
    const linked = await captureKernelSymbols(resolved);
    const btf = kernelBtf(k.vmlinux);
    if (btf instanceof BtfError) throw btf;
    const cell = await CellVm.boot({ name: `monitor/agreement/${label}`, kernel: resolved, topology, scheduler: SCX_KTSTR, durationMs: 1000, kaslr });
    // The host requests go through the VM's channel, which CellVm keeps to itself.
    const channel = (cell as unknown as { vm: QemuVm }).vm.channel;
    let stdout = '';
    // The script goes in as a file (an exec cell takes one command line), before the cell.
    channel.send('file', encodePutFile('/tmp/ktstr-agreement.sh', 0o755, Buffer.from(SCRIPT)));
    const run = cell.runCommand({ exec: 'sh /tmp/ktstr-agreement.sh' }, (stream, data) => {
      if (stream === 'stdout') stdout += data;
    });
    let failed: Error | undefined;
    run.catch((e: Error) => { failed = e; });
    const waitFor = async (marker: string, ms = 120_000) => {
      const t0 = Date.now();
      while (!stdout.includes(marker)) {
        if (failed) throw failed;
        if (Date.now() - t0 > ms) throw new Error(`the guest did not print '${marker}' within ${ms} ms; stdout so far:\n${stdout.slice(-2000)}\nmessages: ${JSON.stringify(channel.received.slice(-10))}`);
        await sleep(20);
      }
    };
    const section = (begin: string, end: string) => stdout.slice(stdout.indexOf(begin) + begin.length, stdout.indexOf(end)).trim();
    const reading = async (r: number) => {
      channel.send('file', encodePutFile(`/tmp/ktstr-req-${r}`, 0o644, Buffer.alloc(0)));
      await waitFor(`=== end ${r}\n`);
      return parseProcSchedstat(section(`=== begin ${r}\n`, `=== end ${r}\n`));
    };
    try {
      await waitFor('=== ready\n');
      const prog = KernelProgram.open(cell.ramNodes, linked, { writable: true });
      if (prog instanceof Unavailable) throw new Error(prog.unavailable);
      prog.useBtf(btf);
      if (kaslr) assert.notEqual(prog.image.slide, 0n, 'KASLR moved the kernel');
      else assert.equal(prog.image.slide, 0n);
      const nr = nrCpuIds(prog.translator, prog.symbols) as number;
      assert.equal(nr, totalCpus(topology), 'nr_cpu_ids');

      // Static values.
      for (let cpu = 0; cpu < nr; cpu++) assert.equal(readRunqueue(prog, cpu).rqCpu, cpu, `rq.cpu of CPU ${cpu}`);
      const opsGuest = section('=== ops\n', '=== state\n');
      const stateGuest = section('=== state\n', '=== ready\n');
      const scx = readSchedExtState(prog);
      assert.equal(scx.opsName, opsGuest, 'ops name');
      assert.equal(stateGuest, 'enabled');
      assert.equal(scx.state, 'SCX_ENABLED');
      // The loader leaves ops.timeout_ms 0: the kernel's default of 30 s, 7500 jiffies at HZ=250.
      const wd = readWatchdogTimeout(prog);
      assert.ok(!isUnavailable(wd), String(wd));
      assert.equal(wd.source, 'scx_sched.watchdog_timeout');
      if (/^CONFIG_HZ=250$/m.test(readFileSync(k.config, 'utf8'))) assert.equal(wd.jiffies, 7500n);
      // The write path, with the value it already has: the guest goes on as before.
      assert.deepEqual(writeWatchdogTimeout(prog, wd.jiffies), { source: wd.source });
      assert.deepEqual(readWatchdogTimeout(prog), wd);

      const readings: ReturnType<typeof parseProcSchedstat>[] = [await reading(0)];
      assert.ok(readings[0]!.version >= 17, `schedstat version ${readings[0]!.version} names its domains`);
      for (const g of readings[0]!.cpus) {
        const d = readSchedDomains(prog, g.cpu);
        assert.ok(Array.isArray(d), `cpu ${g.cpu}: ${String(d)}`);
        assert.deepEqual(
          d.map((x) => ({ name: x.name, mask: isUnavailable(x.span) ? x.span.unavailable : cpumaskHex(x.span, nr), weight: x.spanWeight })),
          g.domains.map((x) => ({ name: x.name, mask: x.mask, weight: popcount(x.mask) })),
          `cpu ${g.cpu}'s sched domains`,
        );
        // sd->level is the topology level, kept when a degenerate level below (SMT on a CPU without
        // siblings) is dropped: it rises along the chain, from 0 or more.
        d.forEach((x, i) => assert.ok(typeof x.level === 'number' && (i === 0 ? x.level >= 0 : x.level > (d[i - 1]!.level as number)), `cpu ${g.cpu} domain ${i} level ${String(x.level)}`));
      }
      const d0 = readSchedDomains(prog, 0) as { level: unknown; name: unknown; span: unknown }[];
      t.diagnostic(`cpu 0 domains: ${d0.map((x) => `${String(x.name)}(level ${String(x.level)})=${cpumaskHex(x.span as number[], nr)}`).join(' ')}`);

      // What one full reading costs the host (every CPU's runqueue, schedstat and domains, and the
      // sched_ext state): the sampler does this every ~100 ms.
      const costs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        for (let cpu = 0; cpu < nr; cpu++) {
          readRunqueue(prog, cpu);
          readSchedstat(prog, cpu);
          readSchedDomains(prog, cpu);
        }
        readSchedExtState(prog);
        costs.push(performance.now() - t0);
      }
      t.diagnostic(`one reading of ${nr} CPUs and the sched_ext state: ${costs.map((c) => c.toFixed(1)).join(', ')} ms (first to fifth)`);

      // Counters between the guest's readings.
      const events: SchedExtEvents[] = [];
      for (let r = 1; r <= ROUNDS; r++) {
        const host: Schedstat[] = [];
        for (let cpu = 0; cpu < nr; cpu++) host.push(readSchedstat(prog, cpu));
        const ev = readSchedExtState(prog).events;
        assert.ok(ev && !isUnavailable(ev), `event counters: ${String(ev)}`);
        events.push(ev);
        const after = await reading(r);
        readings.push(after);
        const before = readings[r - 1]!;
        assert.equal(host[0]!.enabled, true, 'schedstats enabled');
        for (let cpu = 0; cpu < nr; cpu++) {
          const b = before.cpus[cpu]!;
          const a = after.cpus[cpu]!;
          for (const f of COUNTERS) {
            const h = host[cpu]![f];
            assert.ok(!isUnavailable(h), `cpu ${cpu} ${f}: ${String(h)}`);
            const lo = BigInt(b[f as keyof ProcSchedstatCpu] as number | bigint);
            const hi = BigInt(a[f as keyof ProcSchedstatCpu] as number | bigint);
            assert.ok(lo <= BigInt(h) && BigInt(h) <= hi, `cpu ${cpu} ${f}: host ${h} outside the guest's [${lo}, ${hi}] (round ${r})`);
          }
        }
        await sleep(300);
      }
      const first = events[0]!;
      const lastEv = events.at(-1)!;
      for (const ev of events) {
        for (const [name, total] of Object.entries(ev.totals)) {
          assert.equal(ev.perCpu.reduce((s, c) => s + (isUnavailable(c) ? 0n : c[name]!), 0n), total, `${name}: the total is the per-CPU sum`);
        }
        assert.equal(ev.perCpu.filter(isUnavailable).length, 0, 'every CPU\'s counters read');
      }
      const moved = Object.keys(first.totals).filter((n) => lastEv.totals[n]! > first.totals[n]!);
      t.diagnostic(`sched_ext events that moved: ${moved.map((n) => `${n} ${first.totals[n]} -> ${lastEv.totals[n]}`).join(', ')}`);
      for (const n of Object.keys(first.totals)) assert.ok(lastEv.totals[n]! >= first.totals[n]!, `${n} never goes back`);
      assert.ok(lastEv.totals.SCX_EV_DISPATCH_KEEP_LAST! > first.totals.SCX_EV_DISPATCH_KEEP_LAST!, 'lone spinners keep their CPUs: SCX_EV_DISPATCH_KEEP_LAST moves');
      const guestCounters = (g: ReturnType<typeof parseProcSchedstat>) => g.cpus.reduce((s, c) => s + c.schedCount, 0);
      assert.ok(guestCounters(readings.at(-1)!) > guestCounters(readings[0]!), 'the guest counted schedules over the rounds');

      channel.send('file', encodePutFile('/tmp/ktstr-stop', 0o644, Buffer.alloc(0)));
      const result = await run;
      assert.equal(result.schedulerExit, null, 'the scheduler stayed attached');
    } finally {
      await cell.destroy();
    }
  });
}

/** CPUs in a printed cpumask ("0f,00000003"). */
function popcount(mask: string): number {
  let n = 0;
  for (const ch of mask.replace(/,/g, '')) n += [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4][parseInt(ch, 16)]!;
  return n;
}
