// A kernel built by `ktstr kernel build` boots cells under EEVDF and under the fixture sched_ext
// scheduler (its CO-RE object relocates against the built kernel's own BTF), its cache entry has
// a real System.map the monitor reads without booting a guest to capture kallsyms, and its
// vmlinux keeps .symtab and .BTF. Building takes 20-40 minutes on a small host, so the suite
// never builds: it uses a built kernel that is already cached and skips, saying how to make one,
// when there is none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CellVm, SCX_KTSTR, cgroup, compareTopology, cpuset, hold, listCachedKernels, missingKernelConfig, observeTopology, resolveKernel, work } from '@ktstr/core';
import { linkTimeSymbols, cachedCapture } from '../../core/src/monitor/symbol-cache.js';
import { Symbols } from '../../core/src/monitor/symbols.js';
import { monitorSettings } from '../../core/src/monitor/sampler/options.js';
import { hasSymtab } from '../../core/src/kernel/build/build-kernel.js';
import { hasBtfSection } from '../../core/src/kernel/extract-vmlinux.js';
import { hasKfuncDeclTags } from '../../core/src/kernel/build/build-tools.js';
import { readElfSectionFile } from '../../core/src/initramfs/elf.js';
import { skipReason as vmSkip } from './cell-env.js';

// KTSTR_BUILT_KERNEL names one; else the newest built kernel in the cache (as bench/kernel-build.ts).
const builtKernels = listCachedKernels().filter((k) => k.origin.startsWith('build:')).sort((a, b) => b.fetchedAt.localeCompare(a.fetchedAt));
const built = process.env.KTSTR_BUILT_KERNEL ? builtKernels.find((k) => k.release === process.env.KTSTR_BUILT_KERNEL) : builtKernels[0];
const noBuilt = built ? false : 'no built kernel in the cache; `ktstr kernel build 7.2 --cpu-cap 1` makes one (20-40 minutes on 1 CPU)';
if (noBuilt) process.stderr.write(`skipping built-kernel tests: ${noBuilt}\n`);
const skip = vmSkip || noBuilt;

// A kernel built with a pahole older than 1.27 (before `kernel build` refused one) has no kfunc
// declaration tags in its BTF, so sched_ext kfuncs keep the wrong prototype and no scheduler
// loads (build-tools.ts, requiredPaholeForKfuncs): its EEVDF cells still run.
const btf = built ? readElfSectionFile(built.vmlinux, '.BTF') : null;
const noKfuncTags = built && btf && !hasKfuncDeclTags(btf)
  ? `${built.release}'s BTF has no bpf_kfunc declaration tags (built with pahole < 1.27), so no sched_ext scheduler can load on it; rebuild it with pahole >= 1.27`
  : false;
if (noKfuncTags) process.stderr.write(`skipping the sched_ext cell: ${noKfuncTags}\n`);

const twoNodes = { numaNodes: 2, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };

test('the built kernel\'s cache entry passes the config check and keeps its symbols', { skip: noBuilt }, () => {
  const k = built!;
  assert.deepEqual(missingKernelConfig(readFileSync(k.config, 'utf8')), []);
  const vmlinux = readFileSync(k.vmlinux);
  assert.ok(hasBtfSection(vmlinux), 'vmlinux has .BTF');
  assert.ok(hasSymtab(vmlinux, k.vmlinux), 'vmlinux has .symtab');
  const syms = linkTimeSymbols(k);
  assert.ok(syms instanceof Symbols, `symbols without a guest: ${syms instanceof Symbols ? '' : syms.unavailable}`);
  assert.equal(syms.source, 'System.map');
  assert.ok(syms.size > 10_000, `${syms.size} symbols`);
});

test('an EEVDF cell on the built kernel sees 2 NUMA nodes and runs pinned cgroups', { skip, timeout: 240_000 }, async () => {
  const kernel = await resolveKernel(built!.release);
  const vm = await CellVm.boot({ name: 'built-eevdf/2n2l2c1t', kernel, topology: twoNodes, durationMs: 1500 });
  // NUMA from ACPI SRAT, LLCs from CPUID: the small configuration keeps what the topology needs.
  const seen = observeTopology(vm.hello.cpus);
  assert.deepEqual(compareTopology(twoNodes, seen), []);
  assert.equal(seen.nodeCpus.length, 2);
  const r = await vm.run([
    cgroup('n0', { cpuset: cpuset.llc(0), workers: 2, work: work.spinWait() }),
    cgroup('n1', { cpuset: cpuset.llc(1), workers: 2, work: work.pipeIo() }),
  ], hold.fraction(1));
  assert.equal(r.scheduler, null);
  assert.equal(r.workers.length, 4);
  r.expect.noStall().ranOnlyOn([0, 1], 'n0').ranOnlyOn([2, 3], 'n1');
  for (const w of r.workers) assert.ok(w.runNs > 0 && w.timeslices > 0, `${w.cgroup}/${w.index} ran`);
});

test('an scx-ktstr cell on the built kernel attaches the CO-RE scheduler, and the monitor reads it through System.map', { skip: skip || noKfuncTags, timeout: 300_000 }, async () => {
  const kernel = await resolveKernel(built!.release);
  const vm = await CellVm.boot({
    name: 'built-scx-ktstr/2n2l2c1t', kernel, topology: twoNodes, scheduler: SCX_KTSTR, durationMs: 1500,
    monitor: monitorSettings({}, 'test'),
  });
  const r = await vm.run([
    cgroup('bursty', { cpuset: cpuset.llc(0), workers: 2, work: work.bursty({ burstUs: 300, sleepUs: 300 }) }),
    cgroup('futex', { workers: 2, work: work.futexPingPong() }),
  ], hold.fraction(1));
  assert.equal(r.scheduler, 'ktstr');
  r.expect.noStall().ranOnlyOn([0, 1], 'bursty');
  assert.ok(r.metrics.totalIterations > 100, `iterations ${r.metrics.totalIterations}`);
  const m = r.monitor!;
  assert.ok(m.enabled, m.reason);
  assert.ok(m.sampleCount > 0, 'the monitor sampled');
  assert.equal(m.symbols?.source, 'System.map');
  assert.equal(m.symbols?.capturedMs, undefined, 'no guest was booted to capture kallsyms');
  // The System.map made the capture boot unnecessary: nothing was captured for this kernel.
  assert.equal(cachedCapture(kernel.vmlinuz), undefined);
});
