// Two runs that need the same snapshot at once make it once: one cold-boots and saves it while
// the other waits on the snapshot lock, then restores from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipReason, testKernel } from '../vm/cell-env.js';

const root = join(import.meta.dirname, '..', '..');

function shell(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'cli/bin/ktstr.js'), 'shell', '--topology', '1n1l1c1t', '--exec', 'echo up'], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('concurrent runs make one snapshot', { skip: skipReason, timeout: 300_000 }, async () => {
  const cache = mkdtempSync(join(tmpdir(), 'ktstr-snaplock-'));
  try {
    // A private cache: no snapshot exists yet. The kernel is given by path so nothing is fetched.
    const env = { ...process.env, KTSTR_CACHE_DIR: cache, KTSTR_KERNEL: (await testKernel()).vmlinuz };
    const runs = await Promise.all([shell(env), shell(env)]);
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'up\n');
    }
    const how = runs.map((r) => /guest up in [\d.]+ s, ([^(]+) \(/.exec(r.stderr)?.[1]?.trim()).sort();
    assert.deepEqual(how, ['cold, snapshot saved', 'restored']);
    assert.equal(readdirSync(join(cache, 'snapshots')).filter((n) => !n.startsWith('.')).length, 1);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
