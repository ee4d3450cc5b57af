// `ktstr test --kernel A --kernel B --gauntlet` runs each cell on both kernels: the fixture
// scheduler's example on its smallest preset, once on the newest cached kernel of sid and once on
// a cached kernel of another suite (the trixie-backports 7.3), through the real CLI.
// Skips with the reason and the fetch command when only one kernel is cached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listCachedKernels } from '../../core/src/kernel/kernel-cache.js';
import { hostArch } from '../../core/src/host/arch.js';
import { vmUnavailableReason } from '../../core/src/api/ktstr-test.js';

const root = join(import.meta.dirname, '..', '..');
// Kernels this host boots: the cache also holds other architectures' kernels (docs/aarch64.md).
const kernels = listCachedKernels().filter((k) => ((k as { arch?: string }).arch ?? (k.release.endsWith('-arm64') ? 'aarch64' : 'x86_64')) === hostArch());
// Two different minor versions, so the two cells really are different kernels.
const a = kernels[0];
const b = kernels.find((k) => a && k.version.split('.').slice(0, 2).join('.') !== a.version.split('.').slice(0, 2).join('.'));
const why = vmUnavailableReason()
  ?? (a && b ? false : `needs two cached kernels of different versions, found ${kernels.map((k) => k.release).join(', ') || 'none'}; `
    + 'fetch a second with `npx ktstr kernel fetch --suite trixie-backports`');
if (why) process.stderr.write(`skipping several-kernels-cli: ${why}\n`);

test('--kernel A --kernel B --gauntlet runs the cell on each kernel', { skip: why, timeout: 900_000 }, (t) => {
  const runs = mkdtempSync(join(tmpdir(), 'ktstr-several-'));
  t.after(() => rmSync(runs, { recursive: true, force: true }));
  const r = spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), 'test', join(root, 'examples/fixture-scheduler.test.ts'),
    '--kernel', a!.release, '--kernel', b!.release, '--gauntlet', '--filter', '/tiny-2llc/', '--runs-dir', runs, '--json'],
  { cwd: root, encoding: 'utf8', timeout: 880_000 });
  assert.equal(r.status, 0, r.stderr.split('\n').slice(-30).join('\n'));
  const out = JSON.parse(r.stdout) as { cells: { name: string; kernel: string; status: string }[] };
  assert.deepEqual(out.cells.map((c) => c.kernel).sort(), [a!.release, b!.release].sort(), 'one cell per kernel');
  assert.ok(out.cells.every((c) => c.status === 'passed'), JSON.stringify(out.cells.map((c) => [c.name, c.status])));
});
