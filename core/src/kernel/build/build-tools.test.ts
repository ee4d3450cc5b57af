import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paholeVersionNumber, requiredPaholeVersion } from './build-tools.js';

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
