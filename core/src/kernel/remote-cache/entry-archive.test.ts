import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { EntryRejected, packEntry, unpackEntry } from './entry-archive.js';

function entry(): { dir: string; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'ktstr-entry-'));
  const dir = join(root, 'e');
  mkdirSync(dir);
  writeFileSync(join(dir, 'vmlinuz'), Buffer.alloc(70_000, 1));
  writeFileSync(join(dir, 'meta.json'), '{}\n');
  writeFileSync(join(dir, '.hidden'), 'skipped');
  return { dir, root };
}

test('the archive is a standard tar.gz with the manifest first (tar lists it)', (t) => {
  const { dir, root } = entry();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const { archive, manifest } = packEntry(dir, 'e');
  writeFileSync(join(root, 'a.tar.gz'), archive);
  const listed = execFileSync('tar', ['tzf', join(root, 'a.tar.gz')], { encoding: 'utf8' }).trim().split('\n');
  assert.deepEqual(listed, ['manifest.json', 'meta.json', 'vmlinuz']);
  assert.deepEqual(manifest.files.map((f) => f.name), ['meta.json', 'vmlinuz']);
});

test('unpacking writes exactly the manifest files; truncation, renames and extra members are refused with nothing written', (t) => {
  const { dir, root } = entry();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const { archive } = packEntry(dir, 'e');
  const ok = join(root, 'ok');
  mkdirSync(ok);
  unpackEntry(archive, 'e', ok);
  assert.deepEqual(readdirSync(ok).sort(), ['meta.json', 'vmlinuz']);

  const cases: [string, Buffer, string, RegExp][] = [
    ['truncated gzip', archive.subarray(0, archive.length - 100), 'e', /not valid gzip/],
    ['truncated tar', gzipSync(gunzipSync(archive).subarray(0, 40_000)), 'e', /cut short|truncated/],
    ['another entry', archive, 'other', /names entry "e", expected "other"/],
  ];
  for (const [what, blob, name, why] of cases) {
    const into = join(root, what.replace(/ /g, '-'));
    mkdirSync(into);
    assert.throws(() => unpackEntry(blob, name, into), (e: unknown) => e instanceof EntryRejected && why.test(e.message), what);
    assert.deepEqual(readdirSync(into), [], `${what}: nothing written`);
  }
});
