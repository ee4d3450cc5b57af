// Kernel fetching against the real Debian archive, into a private cache: two concurrent
// fetches end with one good copy; a version the archive lacks is a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveKernel } from '@ktstr/core';

const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'cli/dist/bin.js');

function ktstr(args: string[], cacheDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, KTSTR_CACHE_DIR: cacheDir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const canFetch: string | false = process.getuid?.() === 0 ? false : 'fetching needs root to add the pinned apt source';

test('two concurrent fetches end with one complete cache entry', { skip: canFetch, timeout: 300_000 }, async () => {
  const cache = mkdtempSync(join(tmpdir(), 'ktstr-fetch-'));
  try {
    const [a, b] = await Promise.all([ktstr(['kernel', 'fetch', '--json'], cache), ktstr(['kernel', 'fetch', '--json'], cache)]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const ka = JSON.parse(a.stdout);
    const kb = JSON.parse(b.stdout);
    assert.equal(ka.release, kb.release);
    const entries = readdirSync(join(cache, 'kernels'));
    assert.deepEqual(entries, [ka.release], 'one entry, no leftovers of the losing fetch');
    const dir = join(cache, 'kernels', ka.release);
    for (const f of ['vmlinuz', 'vmlinux', 'System.map', 'config', 'meta.json']) assert.ok(existsSync(join(dir, f)), f);
    assert.ok(readFileSync(join(dir, 'vmlinux')).includes(Buffer.from('\0.BTF\0')), 'vmlinux has .BTF');
    assert.match(readFileSync(join(dir, 'config'), 'utf8'), /^CONFIG_SCHED_CLASS_EXT=y$/m);
    const list = await ktstr(['kernel', 'list', '--json'], cache);
    assert.equal(JSON.parse(list.stdout)[0].release, ka.release);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test('a version the archive does not carry is rejected with the versions it does', { skip: canFetch, timeout: 120_000 }, async () => {
  const cache = mkdtempSync(join(tmpdir(), 'ktstr-fetch-'));
  try {
    const r = await ktstr(['kernel', 'fetch', '5.4'], cache);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /kernel: is not offered by the Debian archive .*Pick one of: \d+\.\d+/);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test('a kernel path whose config lacks sched_ext is refused with the missing options', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-kpath-'));
  try {
    mkdirSync(join(dir, 'k'));
    // A bzImage header (the image check passes) on a kernel whose config lacks sched_ext.
    const image = Buffer.alloc(0x400);
    image.write('HdrS', 0x202, 'latin1');
    writeFileSync(join(dir, 'k', 'vmlinuz'), image);
    writeFileSync(join(dir, 'k', 'config'), 'CONFIG_BPF_SYSCALL=y\n');
    await assert.rejects(resolveKernel(join(dir, 'k')), /lacks required options: CONFIG_SCHED_CLASS_EXT=y \(sched_ext schedulers\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
