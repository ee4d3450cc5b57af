import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paravirtualOnlyKvm } from './accel.js';

function fakeHost(modules: string[], flags: string) {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-accel-'));
  for (const m of modules) mkdirSync(join(dir, 'module', m), { recursive: true });
  mkdirSync(join(dir, 'module'), { recursive: true });
  writeFileSync(join(dir, 'cpuinfo'), `processor\t: 0\nflags\t\t: ${flags}\n`);
  return { dir, sysModule: join(dir, 'module'), cpuinfo: join(dir, 'cpuinfo') };
}

test('a kvm_pvm module makes /dev/kvm unusable for booting, and says so', (t) => {
  const h = fakeHost(['kvm', 'kvm_pvm'], 'fpu sse2 hypervisor');
  t.after(() => rmSync(h.dir, { recursive: true }));
  assert.match(paravirtualOnlyKvm(h.sysModule, h.cpuinfo) ?? '', /kvm_pvm.*paravirtual guests only/);
});

test('no vmx or svm flag means no hardware virtualisation behind /dev/kvm', (t) => {
  const h = fakeHost(['kvm'], 'fpu sse2 hypervisor');
  t.after(() => rmSync(h.dir, { recursive: true }));
  assert.match(paravirtualOnlyKvm(h.sysModule, h.cpuinfo) ?? '', /no vmx or svm flag/);
});

test('vmx or svm with a hardware kvm module is left to the probe VM', (t) => {
  for (const [mod, flag] of [['kvm_intel', 'vmx'], ['kvm_amd', 'svm']]) {
    const h = fakeHost(['kvm', mod!], `fpu ${flag} sse2`);
    t.after(() => rmSync(h.dir, { recursive: true }));
    assert.equal(paravirtualOnlyKvm(h.sysModule, h.cpuinfo), undefined);
  }
});
