import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPTURE_COMMAND, linkTimeSymbols, parseCapture, storeCapture } from './symbol-cache.js';
import { Symbols } from './symbols.js';
import { Unavailable } from './unavailable.js';

function sandbox(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-symcache-'));
  const before = process.env.KTSTR_CACHE_DIR;
  process.env.KTSTR_CACHE_DIR = join(dir, 'cache');
  t.after(() => {
    if (before === undefined) delete process.env.KTSTR_CACHE_DIR;
    else process.env.KTSTR_CACHE_DIR = before;
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** What the guest prints for CAPTURE_COMMAND: the echo lines are the markers. */
function guestOutput(iomem: string, kallsyms: string): string {
  const markers = [...CAPTURE_COMMAND.matchAll(/echo '([^']+)'/g)].map((m) => m[1]!);
  return `${iomem}${markers[0]}\n${kallsyms}${markers[1]}\n`;
}

test('the capture splits into iomem and kallsyms; a cut-short one is Unavailable', () => {
  const out = guestOutput('00100000-1ffdffff : System RAM\n', 'ffffffff81000000 T _text\n');
  assert.deepEqual(parseCapture(out), { iomem: '00100000-1ffdffff : System RAM\n', kallsyms: 'ffffffff81000000 T _text\n' });
  assert.ok(parseCapture(out.slice(0, 40)) instanceof Unavailable);
});

test('a real System.map wins; a placeholder falls back to the captured kallsyms', (t) => {
  const dir = sandbox(t);
  const vmlinuz = join(dir, 'vmlinuz');
  writeFileSync(vmlinuz, 'kernel image bytes');
  const placeholder = join(dir, 'System.map.placeholder');
  writeFileSync(placeholder, 'ffffffffffffffff B The real System.map is in the linux-image-dbg package\n');
  const real = join(dir, 'System.map');
  writeFileSync(real, 'ffffffff81000000 T _text\n');
  assert.equal((linkTimeSymbols({ vmlinuz, systemMap: real }) as Symbols).source, 'System.map');
  assert.match((linkTimeSymbols({ vmlinuz, systemMap: placeholder }) as Unavailable).unavailable, /placeholder.*no kallsyms captured yet/);
  storeCapture(vmlinuz, { iomem: '', kallsyms: 'ffffffff81000000 T _text\nffffffff82000000 D page_offset_base\n' });
  const syms = linkTimeSymbols({ vmlinuz, systemMap: placeholder }) as Symbols;
  assert.equal(syms.source, 'kallsyms');
  assert.equal(syms.address('page_offset_base'), 0xffffffff82000000n);
});
