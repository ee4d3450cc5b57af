import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locateKernelImage } from './kaslr.js';
import { Symbols } from './symbols.js';
import { Translator } from './translate.js';
import { perCpuSymbol } from './helpers/percpu.js';
import { RQ_CPU_OFFSET, syntheticKernel } from './fixtures/synthetic-kernel.js';
import { Unavailable } from './unavailable.js';

test('link-time symbols find a randomized kernel in guest memory: physical _text and the virtual slide', () => {
  const linked = syntheticKernel({ kaslr: false, cpus: 2 });
  const running = syntheticKernel({ kaslr: true, cpus: 2 });
  const image = locateKernelImage(running.mem, linked.symbols);
  assert.deepEqual(image, { textPa: running.textPa, textVa: running.textVa, slide: running.textVa - linked.textVa });
  // The slid table then reads the running kernel like its own kallsyms would.
  const slid = linked.symbols.withSlide((image as { slide: bigint }).slide);
  const tr = Translator.fromKernel(running.mem, slid, { kernelCodeStart: running.textPa }) as Translator;
  assert.equal(tr.readU32((perCpuSymbol(tr, slid, 'runqueues', 1) as bigint) + BigInt(RQ_CPU_OFFSET)), 1);
});

test('without the kernel in memory, or without the symbols it needs, the image is Unavailable', () => {
  const linked = syntheticKernel({ kaslr: false, cpus: 1 });
  const empty = syntheticKernel({ kaslr: true, cpus: 1 });
  empty.mem.writeBytes(empty.textPa + 0x2000n, Buffer.from('xxxxx')); // no banner
  assert.match((locateKernelImage(empty.mem, linked.symbols) as Unavailable).unavailable, /linux_banner/);
  assert.match((locateKernelImage(linked.mem, Symbols.parse('ffffffff81000000 T _text\n', 'kallsyms')) as Unavailable).unavailable, /linux_banner: not in/);
});
