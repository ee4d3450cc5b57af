import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasKfuncDeclTags, paholeVersionNumber, requiredPaholeForKfuncs, requiredPaholeVersion } from './build-tools.js';

test('pahole\'s version reads as the number Kconfig compares', () => {
  assert.equal(paholeVersionNumber('v1.24\n'), 124);
  assert.equal(paholeVersionNumber('v1.30'), 130);
  assert.equal(paholeVersionNumber('pahole: not found'), undefined);
});

test('the pahole a tree needs is read from its DEBUG_INFO_BTF entry', () => {
  const kconfig = [
    'config DEBUG_INFO_SPLIT', '\tbool "Produce split debuginfo"', '',
    'config DEBUG_INFO_BTF', '\tbool "Generate BTF type information"', '\tdepends on BPF_SYSCALL', '\tdepends on PAHOLE_VERSION >= 122', '\thelp', '\t  ...', '',
    'config PAHOLE_HAS_BTF_TAG', '\tdef_bool PAHOLE_VERSION >= 123', '',
  ].join('\n');
  assert.equal(requiredPaholeVersion(kconfig), 122);
  assert.equal(requiredPaholeVersion('config DEBUG_INFO_BTF\n\tbool "x"\n\nconfig OTHER\n'), undefined);
});

test('a tree whose resolve_btfids rewrites kfuncs with implicit arguments needs pahole 1.27', () => {
  assert.equal(requiredPaholeForKfuncs('#define KF_IMPLICIT_ARGS (1 << 16)\n'), 127);
  assert.equal(requiredPaholeForKfuncs('#define KF_SLEEPABLE (1 << 5)\n'), undefined);
});

test('kfunc declaration tags are found by their string in .BTF', () => {
  assert.equal(hasKfuncDeclTags(Buffer.from('\0int\0bpf_kfunc\0scx_bpf_create_dsq\0')), true);
  assert.equal(hasKfuncDeclTags(Buffer.from('\0int\0bpf_kfunc_call_test\0')), false);
});
