// The monitor draws a running scheduler's maps with the cast analysis of its own binary:
// scx-ktstr keeps each CPU's running task in running_task as a plain u64, the analysis proves
// the field a task_struct *, and the host chases it through guest memory into the task, whose
// pid and comm are read with the kernel's BTF and marked (cast→kernel). Built with clang-22 it
// also keeps a pointer into an arena page in arena_slot, read from the arena and marked
// (cast→arena).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { CellVm, SCX_KTSTR } from '@ktstr/core';
import { readElfBtf } from '../../core/src/monitor/btf/load.js';
import { BtfError } from '../../core/src/monitor/btf/btf-error.js';
import { KernelProgram } from '../../core/src/monitor/program.js';
import { BpfState } from '../../core/src/monitor/bpf/bpf-state.js';
import { CAST_ARENA, CAST_KERNEL, isCastValue, type CastValue } from '../../core/src/monitor/bpf/cast-render.js';
import { schedulerCasts } from '../../core/src/monitor/cast/scheduler-casts.js';
import { CastAnalysis } from '../../core/src/monitor/cast/analyze.js';
import { isUnavailable } from '../../core/src/monitor/unavailable.js';
import { captureKernelSymbols } from '../../core/src/runner/symbol-capture.js';
import { skipReason, testKernel } from './cell-env.js';

const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x));

test('running_task\'s u64 is chased into the running task and marked cast→kernel; arena_slot\'s into the arena, cast→arena', { skip: skipReason, timeout: 300_000 }, async () => {
  const kernel = await testKernel();
  const linked = await captureKernelSymbols(kernel);
  const vmlinux = readElfBtf(kernel.vmlinux!);
  if (vmlinux instanceof BtfError) throw vmlinux;
  const t0 = Date.now();
  const { analyses, hash } = schedulerCasts(SCX_KTSTR.binary);
  const again = schedulerCasts(SCX_KTSTR.binary);
  process.stderr.write(`monitor-cast: analysis of ${hash.slice(0, 12)} in ${Date.now() - t0} ms, again from the cache: ${again.cached}\n`);
  assert.ok(again.cached, 'one analysis per binary content');
  const casts = analyses.filter((a): a is CastAnalysis => a instanceof CastAnalysis);
  assert.equal(casts.length, 1, 'the loader embeds one analysable object');

  const cell = await CellVm.boot({
    name: 'monitor/cast', kernel, topology: { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 }, scheduler: SCX_KTSTR, durationMs: 1000,
  });
  // A task with a name of its own that keeps running: a shell script's comm is its file name.
  const exec = "printf '#!/bin/sh\\nwhile :; do :; done\\n' > /tmp/castspin && chmod +x /tmp/castspin && /tmp/castspin & "
    + '(while :; do sleep 0.01; done) & sleep 600';
  const run = cell.runCommand({ exec }).catch((e: Error) => e);
  try {
    const prog = KernelProgram.open(cell.ramNodes, linked);
    assert.ok(prog instanceof KernelProgram, String(prog));
    const bpf = BpfState.open(prog, vmlinux, { casts });
    assert.ok(bpf instanceof BpfState, String(bpf));
    let last = '';
    let spinner: CastValue | undefined;
    const seen: CastValue[] = [];
    for (const started = Date.now(); spinner === undefined; await sleep(250)) {
      assert.ok(Date.now() - started < 180_000, `no CPU's running_task was castspin within 180 s (last: ${last})`);
      const slots = [0, 1].map((cpu) => bpf.arrayValue('running_task', cpu));
      last = json(slots);
      for (const s of slots) {
        if (isUnavailable(s) || s === null || typeof s !== 'object' || Array.isArray(s)) continue;
        const task = (s as Record<string, unknown>).task;
        if (!isCastValue(task) || task.target === null || isUnavailable(task.target)) continue;
        seen.push(task);
        if ((task.target as { comm?: unknown }).comm === 'castspin') spinner = task;
      }
    }
    process.stderr.write(`monitor-cast: chased ${seen.length} tasks, e.g. ${seen.slice(0, 3).map((t) => { const x = t.target as { pid: number; comm: string }; return `${x.comm}[${x.pid}]`; }).join(' ')}\n`);
    assert.equal(spinner.cast, CAST_KERNEL);
    assert.equal(spinner.type, 'task_struct');
    assert.ok(spinner.raw >= 0xffff800000000000n, `a kernel address: ${json(spinner.raw)}`);
    const task = spinner.target as Record<string, unknown>;
    assert.equal(typeof task.pid, 'number');
    assert.ok((task.pid as number) > 1, `pid ${String(task.pid)}`);
    assert.equal(task.tgid, task.pid, 'a single-threaded process');
    assert.ok(isUnavailable(task.se), 'nested structs are left out at the default depth');
    // Every chased task is a real one: a pid and a comm, never bytes read as a task by mistake.
    for (const t of seen) {
      const x = t.target as { pid: unknown; comm: unknown };
      assert.ok(typeof x.pid === 'number' && x.pid >= 0 && typeof x.comm === 'string' && x.comm.length > 0, json(t.target === null ? null : { pid: x.pid, comm: x.comm }));
    }
    // The neighbour field is a timestamp, drawn as the number it is.
    const slot = bpf.arrayValue('running_task', 0) as Record<string, unknown>;
    assert.equal(typeof slot.since_ns, 'bigint');

    // The arena pointer (a clang-22 build): arena_slot.note, stored from bpf_arena_alloc_pages()
    // in ops.init(), read in the arena's kernel range; clang gives the note no BTF type, so its
    // first bytes are shown: the magic and the tag ops.init() wrote there.
    if (!casts[0]!.maps.includes('arena_slot')) {
      process.stderr.write('monitor-cast: this scx-ktstr has no arena fixture (built without clang-22); arena part not checked\n');
      return;
    }
    const arenaSlot = bpf.arrayValue('arena_slot', 0) as Record<string, unknown>;
    process.stderr.write(`monitor-cast: arena_slot ${json(arenaSlot)}\n`);
    const note = arenaSlot.note;
    assert.ok(isCastValue(note), json(arenaSlot));
    assert.equal(note.cast, CAST_ARENA);
    assert.equal(note.raw >> 32n, 1n << 12n, 'a user address in the arena\'s map_extra range (1 << 44)');
    const target = note.target as { address: bigint; bytes: string };
    assert.ok(!isUnavailable(target) && typeof target.bytes === 'string', json(note.target));
    const bytes = Buffer.from(target.bytes, 'hex');
    assert.equal(bytes.readBigUInt64LE(0), 0x6b7473747261726en, 'the note\'s magic');
    assert.ok(bytes.readBigUInt64LE(8) > 0n, 'init_ns');
    assert.equal(bytes.subarray(16, 27).toString('latin1'), 'ktstr-arena');
    assert.ok(target.address >= 0xffff800000000000n, 'read at a kernel address');
  } finally {
    await cell.destroy();
    await run;
  }
});
