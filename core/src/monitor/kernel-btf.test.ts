/**
 * The kernel's BTF, loaded once, and the layout choices the helpers make on it. Skipped when no
 * kernel is cached.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findCachedKernel } from '../kernel/kernel-cache.js';
import { BtfError } from './btf/btf-error.js';
import { forgetKernelBtf, kernelBtf } from './kernel-btf.js';
import { spanOffset } from './helpers/sched-domain.js';
import { eventLayout, watchdogSource } from './helpers/sched-ext.js';
import { typeIdOf, typeName } from './object.js';

const kernel = findCachedKernel();
const skip = kernel === undefined ? 'no kernel is cached (run `ktstr setup`)' : false;

test('the kernel BTF is parsed once and then served from memory', { skip }, (t) => {
  forgetKernelBtf();
  const t0 = performance.now();
  const a = kernelBtf(kernel!.vmlinux);
  const first = performance.now() - t0;
  const b = kernelBtf(kernel!.vmlinux);
  assert.ok(!(a instanceof BtfError), String(a));
  assert.equal(a, b, 'the same parsed object');
  t.diagnostic(`${kernel!.release}: first load ${first.toFixed(0)} ms`);
  assert.ok(kernelBtf('/nonexistent/vmlinux') instanceof BtfError);
});

test('on the cached kernel: the sched_domain span offset, the event layout and the watchdog source', { skip }, (t) => {
  const btf = kernelBtf(kernel!.vmlinux);
  if (btf instanceof BtfError) throw btf;
  const span = spanOffset(btf);
  const layout = eventLayout(btf);
  t.diagnostic(`span at ${String(span)}, events ${layout.kind}${layout.kind !== 'disabled' ? ` (${layout.events.map((e) => e.name).join(' ')})` : `: ${layout.reason}`}, watchdog ${String(watchdogSource(btf))}`);
  assert.equal(typeof span, 'number');
  if (kernel!.release === '7.2.13+deb14-cloud-amd64') {
    // The BTF leaves `unsigned long span[]` out; span_weight (u32 at 368) ends the struct at 372.
    assert.equal(span, 376);
    assert.equal(layout.kind, 'pcpu');
    assert.ok(layout.kind === 'pcpu' && layout.events.some((e) => e.name === 'SCX_EV_SELECT_CPU_FALLBACK'));
    assert.equal(watchdogSource(btf), 'scx_sched.watchdog_timeout');
  }
  assert.equal(typeName(btf, typeIdOf(btf, 'struct scx_sched *') as number), 'struct scx_sched *');
});
