/**
 * The host half of auto-repro without a VM: sites typed with a small kernel BTF, the loader's
 * arguments for them, and a loader output decoded into time-ordered calls with a task's pid and
 * comm. test/vm/auto-repro.test.ts runs the real loader on a real crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BtfWriter } from '../monitor/btf/btf-writer.js';
import { parseBtf } from '../monitor/btf/parse.js';
import type { Btf } from '../monitor/btf/btf.js';
import { decodeProbeOutput, parseProbeOutput } from './probe-output.js';
import { probeSiteArgs, typeSites } from './probe-sites.js';
import type { ChainSite } from './call-chain.js';

function kernel(): Btf {
  const w = new BtfWriter();
  const int = w.int('int', 4, { signed: true });
  const u32 = w.int('unsigned int', 4);
  const u64 = w.int('unsigned long long', 8);
  const char = w.int('char', 1, { signed: true, char: true });
  const task = w.struct('task_struct', 64, [{ name: 'state', type: u32, bitsOffset: 0 }, { name: 'pid', type: int, bitsOffset: 32 }, { name: 'comm', type: w.array(char, u32, 16), bitsOffset: 64 }]);
  const taskPtr = w.ptr(task);
  const proto = w.funcProto(int, [['p', taskPtr], ['prev_cpu', int], ['wake_flags', int]]);
  w.func('select_task_rq_scx', proto, 'static');
  const opsProto = w.funcProto(int, [['p', taskPtr], ['prev_cpu', int], ['wake_flags', u64]]);
  w.struct('sched_ext_ops', 8, [{ name: 'select_cpu', type: w.ptr(opsProto), bitsOffset: 0 }]);
  const b = parseBtf(w.build());
  if (b instanceof Error) throw b;
  return b;
}

const SITES: ChainSite[] = [
  { kind: 'kernel', name: 'scx_bpf_error_bstr.cold', frame: 'scx_bpf_error_bstr.cold+0x1/0x2' },
  { kind: 'struct_ops', name: 'ktstr_select_cpu', opsMember: 'select_cpu', frame: 'bpf_prog_0123456789abcdef_ktstr_select_cpu+0x1/0x2' },
  { kind: 'kernel', name: 'select_task_rq_scx', frame: 'select_task_rq_scx+0x152/0x360' },
];

test('sites are typed from their prototypes, and a task_struct * argument gets its pid and comm read', () => {
  const sites = typeSites(kernel(), SITES);
  assert.equal(sites[0]!.params[0]!.typeName, 'unknown', 'no prototype: registers without meaning');
  assert.deepEqual(sites[1]!.params.map((p) => `${p.typeName} ${p.name}`), ['struct task_struct * p', 'int prev_cpu', 'unsigned long long wake_flags']);
  assert.deepEqual(sites[2]!.reads.map((r) => `${r.arg}.${r.field}@${r.offset}`), ['0.pid@4', '0.comm@8']);
  assert.deepEqual(probeSiteArgs(sites), [
    '--site', 'k:scx_bpf_error_bstr.cold:6',
    '--site', 'o:ktstr_select_cpu:3:0.4:0.8',
    '--site', 'k:select_task_rq_scx:3:0.4:0.8',
  ]);
});

test('the loader\'s output becomes sites with their calls, oldest first, arguments decoded', () => {
  const btf = kernel();
  const sites = typeSites(btf, SITES);
  const pidComm = (pid: number, comm: string) => {
    const b = Buffer.alloc(16);
    b.writeInt32LE(pid, 0);
    return [b.toString('hex'), Buffer.concat([Buffer.from(comm, 'latin1'), Buffer.alloc(16 - comm.length)]).toString('hex')];
  };
  const out = [
    'ktstr-probe: site 0 k:scx_bpf_error_bstr.cold not attached: No such file or directory',
    'ktstr-probe: site 2 k:select_task_rq_scx attached',
    'ktstr-probe: ready: 1 kernel sites attached',
    'scx-ktstr: attached ops=ktstr',
    'ktstr-probe: site 1 o:ktstr_select_cpu attached 12 ms after the scheduler started',
    'ktstr-probe: report-begin',
    '{"fired_ns":3000000,"fired_cpu":1,"fired_kind":1025,"fired_by":1}',
    `{"site":2,"ts":2500000,"cpu":1,"pid":7,"comm":"kworker","args":["ffff888000001000","1","8","0","0","0"],"reads":${JSON.stringify([...pidComm(42, 'ktstr-load'), null, null])}}`,
    `{"site":1,"ts":1000000,"cpu":0,"pid":42,"comm":"ktstr-load","args":["ffff888000001000","ffffffffffffffff","0","0","0","0"],"reads":[null,null,null,null]}`,
    'ktstr-probe: report-end',
  ].join('\n');
  const parsed = parseProbeOutput(out);
  assert.ok(parsed.reported);
  const r = decodeProbeOutput(btf, sites, parsed);
  assert.deepEqual(r.trigger, { by: 'scx_vexit', kind: 1025, cpu: 1 });
  assert.deepEqual(r.calls.map((c) => c.site), ['ktstr_select_cpu', 'select_task_rq_scx'], 'oldest first');
  assert.equal(r.calls[0]!.beforeExitMs, 2);
  const [cb, rq] = r.calls;
  assert.equal(cb!.args[1]!.decoded, -1, 'an int slot decodes as the int');
  assert.equal(cb!.args[0]!.fields?.pid, null, 'a failed read is null');
  assert.deepEqual(rq!.args[0]!.fields, { pid: 42, comm: 'ktstr-load' });
  assert.equal(rq!.args[0]!.value, '0xffff888000001000');
  assert.equal(rq!.args[2]!.decoded, 8);
  assert.equal(r.sites[0]!.attached, false);
  assert.match(r.sites[0]!.why ?? '', /No such file/);
  assert.equal(r.sites[1]!.calls.length, 1);
  assert.ok(r.sites[2]!.attached);
});

test('no report block: not reported, and the loader\'s notes are kept', () => {
  const p = parseProbeOutput('ktstr-probe: load failed: Operation not permitted\n');
  assert.equal(p.reported, false);
  assert.deepEqual(p.notes, ['load failed: Operation not permitted']);
});
