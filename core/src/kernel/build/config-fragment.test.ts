import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REQUIRED_KERNEL_CONFIG, missingKernelConfig } from '../config-check.js';
import { KtstrError } from '../../errors.js';
import { applyFragment, KTSTR_FRAGMENT_X86_64, ktstrFragmentText, mergeFragments, parseConfigFragment, renderFragment, unmetOptions } from './config-fragment.js';

test('a fragment reads assignments and "is not set" lines, skipping comments and blanks', () => {
  const f = parseConfigFragment('# a comment\n\nCONFIG_A=y\n# CONFIG_B is not set\nCONFIG_NR_CPUS=64\nCONFIG_S="x y"\nCONFIG_H=0x10\n', 'f');
  assert.deepEqual([...f], [['CONFIG_A', 'y'], ['CONFIG_B', 'n'], ['CONFIG_NR_CPUS', '64'], ['CONFIG_S', '"x y"'], ['CONFIG_H', '0x10']]);
});

test('a line that is not an assignment is an error naming the file and line', () => {
  assert.throws(() => parseConfigFragment('CONFIG_A=y\nSCHED_CLASS_EXT=y\n', 'my.config'),
    (e: unknown) => e instanceof KtstrError && e.field === 'my.config:2' && /not a Kconfig assignment/.test(e.message) && /CONFIG_NAME=y/.test(e.remedy));
});

test('a value Kconfig would not take is an error', () => {
  assert.throws(() => parseConfigFragment('CONFIG_A=yes\n', 'f'), (e: unknown) => e instanceof KtstrError && e.field === 'f:1' && /value/.test(e.message));
  assert.throws(() => parseConfigFragment('CONFIG_S=unquoted string\n', 'f'), KtstrError);
});

test('later fragments win, and what they override is reported', () => {
  const m = mergeFragments([
    { source: 'ktstr', options: new Map([['CONFIG_A', 'y'], ['CONFIG_B', 'y']]) },
    { source: 'user.config', options: new Map([['CONFIG_B', 'n'], ['CONFIG_C', 'y'], ['CONFIG_A', 'y']]) },
  ]);
  assert.deepEqual([...m.options], [['CONFIG_A', 'y'], ['CONFIG_B', 'n'], ['CONFIG_C', 'y']]);
  assert.deepEqual(m.overridden, [{ option: 'CONFIG_B', from: 'y', to: 'n', by: 'user.config' }]);
});

test('applying a fragment replaces lines in place and appends new options', () => {
  const config = '#\n# header\n#\nCONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=y\n';
  const out = applyFragment(config, new Map([['CONFIG_B', 'y'], ['CONFIG_C', 'n'], ['CONFIG_D', '"s"']]));
  assert.equal(out, '#\n# header\n#\nCONFIG_A=y\nCONFIG_B=y\n# CONFIG_C is not set\n# --- added by ktstr kernel build\nCONFIG_D="s"\n');
  assert.deepEqual(unmetOptions(out, new Map([['CONFIG_B', 'y'], ['CONFIG_C', 'n'], ['CONFIG_D', '"s"']])), []);
});

test('options Kconfig dropped are found: absent counts as n', () => {
  const final = 'CONFIG_BPF_SYSCALL=y\n# CONFIG_DEBUG_INFO_BTF is not set\n';
  const unmet = unmetOptions(final, new Map([['CONFIG_BPF_SYSCALL', 'y'], ['CONFIG_DEBUG_INFO_BTF', 'y'], ['CONFIG_SCHED_CLASS_EXT', 'y'], ['CONFIG_MODULES', 'n']]));
  assert.deepEqual(unmet, [
    { option: 'CONFIG_DEBUG_INFO_BTF', wanted: 'y', got: 'n' },
    { option: 'CONFIG_SCHED_CLASS_EXT', wanted: 'y', got: 'n' },
  ]);
});

test('ktstr\'s fragment asks for every option the config check requires, built in', () => {
  const ours = parseConfigFragment(KTSTR_FRAGMENT_X86_64, 'ktstr');
  for (const r of REQUIRED_KERNEL_CONFIG) assert.equal(ours.get(r.option), 'y', `${r.option} (${r.why})`);
  // So a config that took the whole fragment passes the check used for fetched kernels.
  assert.deepEqual(missingKernelConfig(applyFragment('', ours)), []);
});

test('ktstr\'s fragment has what the issue lists beyond the config check', () => {
  const ours = parseConfigFragment(KTSTR_FRAGMENT_X86_64, 'ktstr');
  for (const o of ['CONFIG_BPF_JIT', 'CONFIG_NUMA', 'CONFIG_ACPI_NUMA', 'CONFIG_ACPI_HMAT', 'CONFIG_SMP', 'CONFIG_KPROBES', 'CONFIG_FPROBE',
    'CONFIG_DYNAMIC_FTRACE', 'CONFIG_TMPFS', 'CONFIG_PROC_FS', 'CONFIG_SYSFS', 'CONFIG_64BIT', 'CONFIG_PVH', 'CONFIG_KALLSYMS_ALL', 'CONFIG_FUTEX', 'CONFIG_EPOLL']) {
    assert.equal(ours.get(o), 'y', o);
  }
  assert.equal(renderFragment(new Map([['CONFIG_X', 'n']])), '# CONFIG_X is not set\n');
});

test('an architecture without a fragment is refused with the field named', () => {
  assert.throws(() => ktstrFragmentText('riscv64'), (e: unknown) => e instanceof KtstrError && e.field === 'arch');
});
