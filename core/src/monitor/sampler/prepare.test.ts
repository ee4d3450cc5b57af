import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCachedKernel } from '../../kernel/kernel-cache.js';
import { Symbols } from '../symbols.js';
import { prepareMonitor } from './prepare.js';

const cached = findCachedKernel();

test('a kernel without symbols is captured once, and the capture is said with its cost', { skip: cached?.vmlinux ? false : 'no cached kernel with a vmlinux' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-prepare-'));
  try {
    // An image no capture is cached for (the cache is keyed by the image's content).
    const vmlinuz = join(dir, 'vmlinuz');
    writeFileSync(vmlinuz, randomBytes(64));
    const kernel = { label: 'k-test', vmlinuz, vmlinux: cached!.vmlinux, how: 'test' };
    const lines: string[] = [];
    let captures = 0;
    const table = Symbols.parse('ffffffff81000000 T _text\nffffffff82000000 D runqueues\n', 'kallsyms');
    const prep = await prepareMonitor(kernel, async () => {
      captures++;
      return table;
    }, (l) => lines.push(l));
    assert.equal(captures, 1);
    assert.ok(typeof prep !== 'string', String(prep));
    assert.equal(prep.symbols, table);
    assert.equal(prep.symbolSource.source, 'kallsyms');
    assert.equal(typeof prep.symbolSource.capturedMs, 'number');
    assert.match(lines[0]!, /monitor: capturing k-test's kernel symbols from a guest \(once per kernel, then cached\)/);
    assert.match(lines[1]!, /monitor: captured 2 symbols of k-test in \d+ ms/);

    const failed = await prepareMonitor(kernel, () => Promise.reject(new Error('the guest did not come up\nconsole...')), () => {});
    assert.equal(failed, 'capturing the kernel\'s symbols failed: the guest did not come up');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a kernel without a vmlinux has no BTF: the monitor says why, without capturing anything', async () => {
  let captures = 0;
  const r = await prepareMonitor({ label: 'k', vmlinuz: '/nonexistent', how: 'test' }, async () => {
    captures++;
    return Symbols.parse('', 'kallsyms');
  }, () => {});
  assert.equal(captures, 0);
  assert.match(String(r), /no vmlinux beside it/);
});
