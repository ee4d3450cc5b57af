import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AutoReproReport } from '../repro/auto-repro-report.js';
import { autoReproSection, withAutoRepro } from './auto-repro-section.js';
import { renderFailureDump } from './render.js';
import type { FailureDump } from './failure-dump.js';

const report: AutoReproReport = {
  status: 'captured', chain: ['__scx_exit+0x4f/0x70'], durationMs: 7524, rerunReason: 'scx_bpf_error',
  trigger: { by: 'scx_vexit', kind: 1025, cpu: 1 },
  sites: [
    { name: 'ktstr_select_cpu', kind: 'struct_ops', opsMember: 'select_cpu', frame: 'bpf_prog_x_ktstr_select_cpu+0x1/0x2', attached: true, calls: [] },
    { name: 'scx_foo.constprop.0', kind: 'kernel', frame: 'scx_foo.constprop.0+0x1/0x2', attached: false, why: 'no such symbol', calls: [] },
  ],
  calls: [{
    site: 'select_task_rq_scx', tNs: '13263512345', beforeExitMs: 0.27, cpu: 1, pid: 0, comm: 'swapper/1',
    args: [
      { name: 'p', type: 'struct task_struct *', value: '0xffff888004a1c000', fields: { pid: 108, comm: 'ktstr-load' } },
      { name: 'prev_cpu', type: 'int', value: '0x1', decoded: 1 },
    ],
  }],
};

test('auto-repro\'s report reads as its status, trigger, sites and calls, newest last', () => {
  const s = autoReproSection(report);
  assert.deepEqual(s.lines, [
    '  status captured',
    '  trigger scx_vexit, exit kind 1025 on CPU 1 (rerun: scx_bpf_error)',
    '  site ktstr_select_cpu (struct_ops ops.select_cpu): 0 call(s)',
    '  site scx_foo.constprop.0 (kernel): not attached: no such symbol',
    '  -0.270 ms cpu 1 swapper/1[0] select_task_rq_scx(p=0xffff888004a1c000 {pid: 108, comm: ktstr-load}, prev_cpu=1)',
  ]);
  assert.equal(s.durationMs, 7524);
  const dump = { bugSummary: 'x', consoleTail: [], schedulerOutputTail: [], timeline: [], timelineOmitted: 0, monitor: { enabled: false, samples: [], omitted: 0 }, bpfMaps: { unavailable: 'n' }, kind: 'scheduler-exit' } as unknown as FailureDump;
  assert.equal(withAutoRepro(dump, undefined), dump);
  assert.match(renderFailureDump(withAutoRepro(dump, report)), /--- auto-repro \(7\.5 s, apart from the cell's time\) ---\n {2}status captured\n/);
});
