// The same fixture cell on every cached kernel (the sid 7.2 kernel and, when fetched, the
// trixie-backports 7.3 one), with the host monitor on: the fixture scheduler — built once
// against one kernel's BTF — must load on each (CO-RE relocates it), and the monitor must read
// each kernel's sched_ext event counters through the layout that kernel's BTF describes. The
// kernels really differ there (7.2.13: scx_sched_pcpu.event_stats at +16 with 13 counters;
// 7.3.4: at +112 with 21), so one reading right on each is the version fallback exercised.
//
// Skips, saying why, when fewer than two kernels are cached: the bootstrap fetches one, and
// `npx ktstr kernel fetch --suite trixie-backports` (docs/kernels.md) fetches the second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellVm } from '../../core/src/runner/cell-vm.js';
import { SCX_KTSTR } from '../../core/src/fixture.js';
import { cgroup } from '../../core/src/scenario/cgroup.js';
import { cpuset } from '../../core/src/scenario/cpuset.js';
import { hold } from '../../core/src/scenario/hold.js';
import { work } from '../../core/src/scenario/work.js';
import { monitorSettings } from '../../core/src/monitor/sampler/options.js';
import type { MonitorSampleData } from '../../core/src/monitor/sampler/sample-reader.js';
import { kernelBtf } from '../../core/src/monitor/kernel-btf.js';
import { eventLayout } from '../../core/src/monitor/helpers/sched-ext.js';
import { BtfError } from '../../core/src/monitor/btf/btf-error.js';
import { listCachedKernels } from '../../core/src/kernel/kernel-cache.js';
import { hostArch } from '../../core/src/host/arch.js';
import { resolveKernel } from '../../core/src/kernel/resolve.js';
import { skipReason } from './cell-env.js';

// Kernels this host boots: the cache also holds other architectures' kernels (docs/aarch64.md).
const kernels = listCachedKernels().filter((k) => ((k as { arch?: string }).arch ?? (k.release.endsWith('-arm64') ? 'aarch64' : 'x86_64')) === hostArch());
const onlyOne = kernels.length < 2
  ? `needs two cached kernels, found ${kernels.length} (${kernels.map((k) => k.release).join(', ') || 'none'}); `
    + 'fetch a second with `npx ktstr kernel fetch --suite trixie-backports`'
  : false;
const skip = skipReason || onlyOne;
if (onlyOne && !skipReason) process.stderr.write(`skipping several-kernels: ${onlyOne}\n`);

const twoCpus = { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 };
const spinners = [
  cgroup('spin0', { cpuset: cpuset.exact([0]), workers: 1, work: work.spinWait() }),
  cgroup('spin1', { cpuset: cpuset.exact([1]), workers: 1, work: work.bursty() }),
];

test('the fixture cell runs on every cached kernel and the monitor reads its event counters', { skip, timeout: 600_000 }, async (t) => {
  const layouts = new Map<string, string>();
  for (const k of kernels) {
    await t.test(k.release, async () => {
      const btf = kernelBtf(k.vmlinux);
      assert.ok(!(btf instanceof BtfError), `BTF of ${k.release}`);
      const layout = eventLayout(btf);
      assert.notEqual(layout.kind, 'disabled', `${k.release}: ${layout.kind === 'disabled' ? layout.reason : ''}`);
      const described = layout.kind === 'disabled' ? '' : `${layout.path} at +${layout.statsOffset}, ${layout.events.length} counters`;
      layouts.set(k.release, described);

      const kernel = await resolveKernel(k.release);
      assert.equal(kernel.label, k.release, 'the resolver picks the named cached kernel');
      const vm = await CellVm.boot({
        name: `several-kernels/1n1l2c1t/${k.release}`, kernel, topology: twoCpus, scheduler: SCX_KTSTR, durationMs: 2000,
        monitor: monitorSettings({ numSnapshots: 1 }, 'test'),
      });
      const r = await vm.run(spinners, hold.fraction(1));
      assert.equal(r.schedulerExit, null, 'the fixture scheduler stayed attached');
      assert.equal(r.kernel, k.release);
      assert.equal(r.workers.length, 2, 'both workers reported');
      const m = r.monitor!;
      assert.ok(m.enabled, m.reason);
      const data = m.series.ofKind('sample').samples.map((s) => s.data as MonitorSampleData);
      assert.ok(data.length >= 5, `samples: ${data.length}`);
      assert.ok(data.every((d) => d.scx.opsName === 'ktstr' && d.scx.state === 'SCX_ENABLED'), `sched_ext state ${JSON.stringify(data[0]?.scx)}`);
      assert.ok(data.every((d) => d.events !== null), 'event counters read in every sample');
      // The runqueue side of the monitor on this kernel's layout: each CPU's rq says it is that CPU,
      // its clock advances, and its sched_ext part and current task are read.
      for (const cpu of [0, 1]) {
        const rqs = data.map((d) => d.cpus[cpu]!);
        assert.ok(rqs.every((rq) => rq.cpu === cpu && rq.clock !== null && rq.nrRunning !== null && rq.scx.nrRunning !== null && rq.curr.comm !== null),
          `CPU ${cpu} read whole in every sample: ${JSON.stringify(rqs[0])}`);
        assert.ok(rqs.at(-1)!.clock! > rqs[0]!.clock!, `CPU ${cpu}'s rq clock advanced`);
      }
      // Every counter the kernel's BTF names is read, and the ones a busy 2-CPU cell moves are sane:
      // counters only grow, and none reads as garbage (a wrong offset lands in pointers or clocks).
      const names = layout.kind === 'disabled' ? [] : layout.events.map((e) => e.name);
      assert.deepEqual(Object.keys(data[0]!.events!).sort(), [...names].sort(), 'one reading per counter the BTF describes');
      for (const name of names) {
        const series = data.map((d) => d.events![name]!);
        // *_DURATION counters are nanoseconds; a minute of bypass in a 2 s cell is already absurd.
        const bound = name.endsWith('_DURATION') ? 60e9 : 1e9;
        assert.ok(series.every((v, i) => v >= 0 && v < bound && (i === 0 || v >= series[i - 1]!)), `${name}: ${series.join(' ')}`);
      }
      // Live counters, not a run of zeros: with a spinner and a bursty worker the scheduler
      // refills slices and keeps tasks, so some counter moves during the cell.
      const moved = names.filter((n) => data.at(-1)!.events![n]! > data[0]!.events![n]!);
      assert.ok(moved.length > 0, `no counter moved between the first and last sample: ${JSON.stringify(data.at(-1)!.events)}`);
      r.expect.series('events.SCX_EV_SELECT_CPU_FALLBACK').nondecreasing();
      process.stderr.write(`several-kernels: ${k.release}: ${described}; boot ${vm.bootMs.toFixed(0)} ms (${vm.bootedHow}); last sample ${JSON.stringify(data.at(-1)!.events)}\n`);
    });
  }
  process.stderr.write(`several-kernels: layouts ${JSON.stringify(Object.fromEntries(layouts))}\n`);
});
