import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qemuSaid, qemuStderrForUsers } from './qemu-stderr.js';

const tcgNoise = [
  "qemu-system-x86_64: warning: TCG doesn't support requested feature: CPUID.01H:ECX.vmx [bit 5]",
  "qemu-system-x86_64: warning: TCG doesn't support requested feature: CPUID.07H:EBX.hle [bit 4]",
].join('\n');

test("TCG feature warnings are left out of what users read; other lines stay, in order", () => {
  const real = "qemu-system-x86_64: -kernel /tmp/x: linux kernel too old to load a ram disk";
  assert.equal(qemuStderrForUsers(`${tcgNoise}\n${real}\n${tcgNoise}\n`), real);
  assert.equal(qemuSaid(`${tcgNoise}\n${real}`), `\nQEMU said: ${real}`);
});

test('only TCG warnings means QEMU said nothing worth showing', () => {
  assert.equal(qemuSaid(`${tcgNoise}\n`), '');
  assert.equal(qemuSaid(''), '');
});
