import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { includePaths } from './include-paths.js';
import { cellPayload } from './cell-payload.js';

test('a directory keeps its relative layout under /root/<name>; a file goes to /bin', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'ktstr-include-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  mkdirSync(join(d, 'tree/sub/deeper'), { recursive: true });
  writeFileSync(join(d, 'tree/a.sh'), 'echo a\n', { mode: 0o755 });
  writeFileSync(join(d, 'tree/sub/deeper/data.txt'), 'x');
  symlinkSync('a.sh', join(d, 'tree/link'));
  symlinkSync('/nonexistent', join(d, 'tree/dangling'));
  writeFileSync(join(d, 'single'), 'y');
  const got = includePaths([join(d, 'tree'), join(d, 'single')]);
  assert.deepEqual(got.map((f) => f.guestPath ?? `(bin)${f.hostPath.slice(d.length)}`), [
    '/root/tree/a.sh',
    '/root/tree/link',
    '/root/tree/sub/deeper/data.txt',
    '(bin)/single',
  ]);
  assert.throws(() => includePaths([join(d, 'missing')]), /--include-files.*cannot be read/);
});

test('ELF binaries inside a directory bring their libraries; an executable script brings none', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'ktstr-include-elf-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  mkdirSync(join(d, 'tools'));
  copyFileSync('/bin/ls', join(d, 'tools/ls'));
  writeFileSync(join(d, 'tools/run.sh'), '#!/bin/sh\nls\n', { mode: 0o755 });
  const entries = cellPayload({ includeFiles: includePaths([join(d, 'tools')]) });
  const paths = entries.map((e) => e.guestPath);
  assert.ok(paths.includes('/root/tools/ls'));
  assert.ok(paths.includes('/root/tools/run.sh'));
  assert.ok(paths.some((p) => /\/libc\.so\.6$/.test(p)), `no libc in ${paths.join(' ')}`);
});
