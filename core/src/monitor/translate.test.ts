import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findImagePhysical, Translator } from './translate.js';
import { perCpuSymbol } from './helpers/percpu.js';
import { RQ_CPU_OFFSET, syntheticKernel, VMALLOC_PA, VMALLOC_VA } from './fixtures/synthetic-kernel.js';
import { Unavailable } from './unavailable.js';

for (const kaslr of [false, true]) {
  test(`image, direct map and page-table translation (KASLR ${kaslr ? 'on' : 'off'})`, () => {
    const k = syntheticKernel({ kaslr, cpus: 2 });
    const tr = Translator.fromKernel(k.mem, k.symbols, { kernelCodeStart: k.textPa });
    assert.ok(tr instanceof Translator, String(tr));
    assert.equal(tr.addressing.pageOffsetBase, k.pageOffsetBase, 'read from the page_offset_base variable');
    assert.equal(tr.addressing.levels, 4);
    assert.deepEqual(tr.toPhysical(k.textVa + 0x1234n), { pa: k.textPa + 0x1234n, pageSize: 0x40000n - 0x1234n, via: 'image' });
    const direct = tr.toPhysical(k.pageOffsetBase + 0x3000040n);
    assert.ok(!(direct instanceof Unavailable));
    assert.equal(direct.pa, 0x3000040n);
    assert.equal(direct.via, 'direct map');
    assert.deepEqual(tr.toPhysical(VMALLOC_VA + 0x10n), { pa: VMALLOC_PA + 0x10n, pageSize: 0x1000n, via: 'page table' });
    assert.equal(tr.readCString(VMALLOC_VA + 0x10n), 'from vmalloc');
    assert.match((tr.readU64(VMALLOC_VA + 0x1000n) as Unavailable).unavailable, /PTE entry 67 not present/);
    assert.ok(tr.readU64(k.pageOffsetBase + 0x5000000n) instanceof Unavailable, 'direct map of a physical address with no RAM');
  });

  test(`per-CPU: runqueues + __per_cpu_offset[cpu] reads each CPU's rq.cpu (KASLR ${kaslr ? 'on' : 'off'})`, () => {
    const k = syntheticKernel({ kaslr, cpus: 3 });
    const tr = Translator.fromKernel(k.mem, k.symbols, { kernelCodeStart: k.textPa }) as Translator;
    for (let cpu = 0; cpu < 3; cpu++) {
      const rq = perCpuSymbol(tr, k.symbols, 'runqueues', cpu) as bigint;
      assert.equal(tr.readU32(rq + BigInt(RQ_CPU_OFFSET)), cpu);
    }
    assert.match((perCpuSymbol(tr, k.symbols, 'runqueues', 3) as Unavailable).unavailable, /cpu 3: outside 0\.\.2/);
    assert.match((perCpuSymbol(tr, k.symbols, 'no_such_var', 0) as Unavailable).unavailable, /no_such_var/);
  });

  test(`the image's physical address is found from phys_base without /proc/iomem (KASLR ${kaslr ? 'on' : 'off'})`, () => {
    const k = syntheticKernel({ kaslr, cpus: 1 });
    assert.equal(findImagePhysical(k.mem, k.symbols), k.textPa);
    const tr = Translator.fromKernel(k.mem, k.symbols) as Translator;
    assert.equal(tr.addressing.textPa, k.textPa);
  });
}

test('a kernel without page_offset_base, or whose variable is outside RAM, gives Unavailable', () => {
  const k = syntheticKernel({ kaslr: false, cpus: 1 });
  const wrongPa = Translator.fromKernel(k.mem, k.symbols, { kernelCodeStart: 0x70000000n });
  assert.match((wrongPa as Unavailable).unavailable, /page_offset_base: .*in no RAM region/);
});
