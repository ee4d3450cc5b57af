/**
 * The cast analysis over the real fixture scheduler, as the loader embeds it: it must finish on
 * every function, find its maps and the struct_ops argument types, and never claim a cast the BTF
 * contradicts. The fixture keeps pointers in two u64s: running_task's cpu_running.task, stored
 * from ops.running()'s task_struct *, and (built with clang-22) arena_slot's note, stored from
 * bpf_arena_alloc_pages(); those must be the casts, and its counters must show up as proven
 * numbers. Skipped, with the reason printed, when the scheduler is not built here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BtfError } from '../btf/btf-error.js';
import { globalVariable } from '../btf/variables.js';
import { embeddedBpfObjects, structOpsPrograms } from '../../verifier/bpf-object.js';
import { analyzeBpfObject } from './analyze.js';
import { readBpfObjectCode } from './elf-object.js';
import { fieldAt, isRecord, isU64, pointee } from './fields.js';

const outDir = process.env.KTSTR_NATIVE_OUT ?? fileURLToPath(new URL('../../../../native/out', import.meta.url));
const loader = join(outDir, 'scx-ktstr');
const skip = existsSync(loader) ? false : `${loader} is not built (npm run bootstrap)`;
if (skip) console.log(`skipping the fixture cast analysis: ${skip}`);

const objects = () => embeddedBpfObjects(readFileSync(loader));

test('the fixture scheduler\'s functions decode whole, with their maps and struct_ops argument types', { skip }, () => {
  const [obj] = objects();
  assert.ok(obj, 'the loader embeds its BPF object');
  const code = readBpfObjectCode(obj);
  if (code instanceof BtfError) throw code;
  const ops = structOpsPrograms(obj).map((p) => p.name);
  for (const name of ops) assert.ok(code.programs.some((p) => p.name === name), `${name} is analysed`);
  for (const name of ['pcpu_stats', 'wake_cpus', 'running_task', '.bss', '.data']) assert.ok(code.maps.has(name), `map ${name}`);
  // ops.enqueue(struct task_struct *p, u64 enq_flags): ctx[0] is the task.
  const enqueue = code.programs.find((p) => p.name === 'ktstr_enqueue');
  const p = enqueue?.ctxArgs?.[0] === undefined ? undefined : pointee(code.btf, enqueue.ctxArgs[0]);
  assert.equal(p === undefined ? undefined : code.btf.name(p.type), 'task_struct');
  // Every kfunc call names a FUNC in the object's BTF, so its prototype types the arguments.
  const kfuncs = code.programs.flatMap((prog) => [...prog.refs.values()].filter((r) => r.kind === 'kfunc'));
  assert.ok(kfuncs.length > 0);
  for (const k of kfuncs) assert.ok(k.kind === 'kfunc' && k.func !== 0, `kfunc ${k.kind === 'kfunc' ? k.name : ''} has BTF`);
});

test('the fixture scheduler\'s casts are running_task\'s task and arena_slot\'s note, and its u64 counters are proven numbers', { skip }, (t) => {
  for (const obj of objects()) {
    const started = Date.now();
    const r = analyzeBpfObject(obj);
    if (r instanceof BtfError) throw r;
    t.diagnostic(`${r.casts.size} casts, ${r.conflicts.length} fields vetoed, in ${Date.now() - started} ms`);
    assert.deepEqual(r.skipped, [], 'every function reached a fixed point');
    // Whatever it finds must agree with the BTF: a u64 field, pointing at a struct (or the arena).
    for (const [key, c] of r.casts) {
      const field = fieldAt(r.btf, c.struct, c.offset);
      assert.ok(field && isU64(r.btf, field.type), `${key} is a u64 field`);
      assert.ok(c.kind === 'arena' ? c.target === 0 || isRecord(r.btf, c.target) : isRecord(r.btf, c.target), `${key} points at a struct`);
    }
    // arena_slot exists only in a build with arena code (clang-22); its cast must be there then.
    const withArena = readBpfObjectCode(obj) as Exclude<ReturnType<typeof readBpfObjectCode>, BtfError>;
    const arena = withArena.maps.has('arena_slot');
    if (!arena) t.diagnostic('this build has no arena fixture (built without clang-22)');
    assert.deepEqual([...r.casts.keys()].sort(), arena ? ['arena_slot+0', 'cpu_running+0'] : ['cpu_running+0'], 'the fixture\'s pointers in u64s');
    if (arena) {
      const note = r.casts.get('arena_slot+0')!;
      assert.equal(note.kind, 'arena');
      assert.equal(note.target, 0, 'clang leaves an arena pointee untyped in BTF');
      assert.ok(note.evidence.some((e) => e.prog === 'ktstr_init'), 'proven by the store in ops.init()');
    }
    const task = r.casts.get('cpu_running+0')!;
    assert.equal(task.kind, 'kernel');
    assert.equal(task.targetName, 'task_struct');
    assert.ok(task.evidence.some((e) => e.prog === 'ktstr_running'), 'proven by the store in ops.running()');
    // Its neighbour holds bpf_ktime_get_ns(): a number, never a cast.
    assert.equal(r.castTarget(task.struct, 8), undefined);
    const nrEnqueued = globalVariable(r.btf, 'nr_enqueued', '.bss');
    assert.ok(nrEnqueued.found);
    const veto = r.conflicts.find((c) => c.key === `.bss+${nrEnqueued.offset}`);
    assert.ok(veto, 'nr_enqueued (an atomic counter) is proven a number');
    assert.ok(veto.claims.every((c) => c.target.kind === 'scalar'));
  }
});
