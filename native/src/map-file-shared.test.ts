import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mapFileShared } from './addon.js';

function tempFile(t: TestContext, bytes: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-native-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'ram');
  writeFileSync(path, bytes);
  return path;
}

test('mapFileShared: writes through a writable mapping reach the file', (t) => {
  const path = tempFile(t, Buffer.alloc(2 * 4096, 0));
  const view = mapFileShared(path, 4096n, 4096, true);
  view.writeUInt32LE(0xdeadbeef, 8);
  assert.equal(readFileSync(path).readUInt32LE(4096 + 8), 0xdeadbeef);
  assert.equal(mapFileShared(path, 0, 8192, false).readUInt32LE(4096 + 8), 0xdeadbeef, 'a read-only view sees it too');
});

test('mapFileShared: refuses unaligned and out-of-file ranges with a RangeError', (t) => {
  const path = tempFile(t, Buffer.alloc(4096));
  assert.throws(() => mapFileShared(path, 100, 16, false), { name: 'RangeError', message: /page size/ });
  assert.throws(() => mapFileShared(path, 0, 8192, true), { name: 'RangeError', message: /not inside the regular file/ });
  assert.throws(() => mapFileShared(join(path, 'x'), 0, 16, false), { syscall: 'open' });
});
