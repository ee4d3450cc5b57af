import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MakeProgress, stageOf } from './make-progress.js';

// Lines as kbuild prints them for an x86_64 bzImage (7.2).
const LOG = [
  'make[1]: Entering directory \'/cache/kernel-build/trees/x\'',
  '  SYNC    include/config/auto.conf.cmd',
  '  HOSTCC  scripts/basic/fixdep',
  '  SYSHDR  arch/x86/include/generated/uapi/asm/unistd_32.h',
  '  CC      scripts/mod/empty.o',
  '  CC      init/main.o',
  '  AS      arch/x86/entry/entry_64.o',
  '  UPD     include/generated/utsversion.h',
  '  CC      kernel/sched/core.o',
  '  AR      kernel/built-in.a',
  '  LD      vmlinux.o',
  '  LD      .tmp_vmlinux1',
  '  BTF     .tmp_vmlinux1.btf.o',
  '  BTFIDS  vmlinux',
  '  SYSMAP  System.map',
  '  LZ4     arch/x86/boot/compressed/vmlinux.bin.lz4',
  '  BUILD   arch/x86/boot/bzImage',
  'Kernel: arch/x86/boot/bzImage is ready  (#1)',
];

test('each kbuild step maps to its stage', () => {
  assert.equal(stageOf('  HOSTCC  scripts/basic/fixdep'), 'prepare');
  assert.equal(stageOf('  CC      kernel/sched/ext.o'), 'compile');
  assert.equal(stageOf('  LD      vmlinux.o'), 'link');
  assert.equal(stageOf('  BTF     .tmp_vmlinux1.btf.o'), 'btf');
  assert.equal(stageOf('  BUILD   arch/x86/boot/bzImage'), 'image');
  assert.equal(stageOf('make[1]: Entering directory'), undefined);
});

test('a build reports each stage once, in order, and counts compiled files', () => {
  const lines: string[] = [];
  const p = new MakeProgress((u) => lines.push(u.line), undefined, 2);
  for (const l of LOG) p.feed(l);
  assert.equal(p.compiled, 3);
  assert.deepEqual(lines.filter((l) => l.startsWith('stage:')), [
    'stage: preparing (host tools, generated headers)', 'stage: compiling', 'stage: linking vmlinux',
    'stage: generating BTF (pahole)', 'stage: making the boot image',
  ]);
  // A late generated header (UPD) does not send the stage back, and the count is reported every 2.
  assert.deepEqual(lines.filter((l) => l.startsWith('compiled')), ['compiled 2 files']);
});

test('the last build\'s count becomes the total', () => {
  const lines: string[] = [];
  const p = new MakeProgress((u) => lines.push(u.line), 1200, 1);
  p.feed('  CC      init/main.o');
  assert.deepEqual(lines, ['stage: compiling', 'compiled 1/1200 files']);
});
