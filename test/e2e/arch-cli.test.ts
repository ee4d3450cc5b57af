// `--arch aarch64` on the planning surface end to end, without booting VMs: the gauntlet expands
// over the 14 aarch64 presets, an arm-only test is a skip with its reason on x86_64 and runs on
// aarch64, and a wrong architecture name is refused naming the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { presetsFor } from '@ktstr/presets';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'cli/bin/ktstr.js');
const ktstr = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });

interface Listed { cells: { name: string; preset: string; status: string; reason: string }[] }
const list = (files: string[], ...args: string[]): Listed => {
  const r = ktstr('test', ...files, '--list', '--json', '--kernel', 'k', ...args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Listed;
};

test('--arch aarch64 --gauntlet expands over the aarch64 presets only', () => {
  // The fixture example gates on minLlcs: 2, which every aarch64 preset but tiny-1llc passes.
  const l = list([join(root, 'examples', 'fixture-scheduler.test.ts')], '--arch', 'aarch64', '--gauntlet');
  const arm = presetsFor('aarch64');
  assert.deepEqual(l.cells.map((c) => c.preset).sort(), arm.filter((p) => p.topology.llcs >= 2).map((p) => p.name).sort());
});

test('an arm-only test is a skip with its reason on x86_64 and runs on aarch64', () => {
  const dir = mkdtempSync(join(root, '.ktstr-arch-cli-'));
  try {
    const file = join(dir, 'arm-only.test.ts');
    writeFileSync(file, "import { ktstrTest } from '@ktstr/core';\nktstrTest('arm only', { arch: 'aarch64' }, async () => {});\n");
    const x86 = list([file], '--arch', 'x86_64');
    assert.deepEqual(x86.cells.map((c) => [c.status, c.reason]), [['skip', 'arch: the test runs on aarch64 only; this run is x86_64']]);
    const arm = list([file], '--arch', 'aarch64');
    assert.deepEqual(arm.cells.filter((c) => c.status === 'run').map((c) => c.name), ['arm only/tiny-2llc/k']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--arch takes the kernel\'s names and refuses others by name', () => {
  const r = ktstr('test', join(root, 'examples', 'eevdf-baseline.test.ts'), '--list', '--arch', 'arm64');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--arch: is not a supported architecture \(Debian calls it arm64; ktstr uses the kernel's name, aarch64\)/);
});
