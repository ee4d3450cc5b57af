import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KernelProgram } from './program.js';
import { RQ_CPU_OFFSET, syntheticKernel } from './fixtures/synthetic-kernel.js';
import { Symbols } from './symbols.js';
import type { Translator } from './translate.js';
import { Unavailable } from './unavailable.js';

test('a program from link-time symbols reads a randomized kernel: slid symbols, per-CPU runqueues', () => {
  const linked = syntheticKernel({ kaslr: false, cpus: 2 }).symbols;
  const running = syntheticKernel({ kaslr: true, cpus: 2 });
  const prog = KernelProgram.fromMemory(running.mem, linked);
  assert.ok(prog instanceof KernelProgram, String(prog));
  assert.equal(prog.address('_text'), running.textVa);
  assert.equal(prog.image.textPa, running.textPa);
  assert.equal((prog.translator as Translator).addressing.pageOffsetBase, running.pageOffsetBase);
  for (const cpu of [0, 1]) assert.equal(prog.readU32((prog.perCpu('runqueues', cpu) as bigint) + BigInt(RQ_CPU_OFFSET)), cpu);
  assert.match(prog.readCString(prog.address('linux_banner') as bigint) as string, /^Linux version/);
});

test('symbols of another kernel find nothing, and say so', () => {
  const running = syntheticKernel({ kaslr: true, cpus: 1 });
  const other = Symbols.parse('ffffffff81000000 T _text\nffffffff81234000 D linux_banner\nffffffff81001000 D phys_base\n', 'kallsyms');
  assert.match((KernelProgram.fromMemory(running.mem, other) as Unavailable).unavailable, /linux_banner/);
});
