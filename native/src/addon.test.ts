import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { flock, funlock, getAffinity, mapFileReadOnly, setAffinity } from './addon.js';
import { nativeArtifacts } from './artifacts.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-native-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('flock: separate opens of one file contend, funlock and close release', (t) => {
  const path = join(tempDir(t), 'f.lock');
  writeFileSync(path, '');
  const a = openSync(path, 'r');
  const b = openSync(path, 'r');
  try {
    assert.equal(flock(a, 'shared', false), true);
    assert.equal(flock(b, 'shared', false), true);
    assert.equal(flock(b, 'exclusive', false), false, 'upgrade blocked by the other shared holder');
    funlock(a);
    assert.equal(flock(b, 'exclusive', false), true);
    assert.equal(flock(a, 'shared', false), false);
    closeSync(b);
    assert.equal(flock(a, 'exclusive', true), true);
  } finally {
    closeSync(a);
  }
});

test('flock: failures are Node-style system errors', () => {
  assert.throws(() => flock(1_000_000, 'shared', false), {
    code: 'EBADF',
    errno: -9,
    syscall: 'flock',
    message: /^EBADF: Bad file descriptor, flock 'fd 1000000'$/,
  });
  // @ts-expect-error: untyped callers
  assert.throws(() => flock(0, 'write', false), { name: 'TypeError', message: /mode must be 'shared' or 'exclusive'/ });
  assert.throws(() => flock(-1, 'shared', false), { name: 'RangeError', message: /fd must be between 0/ });
});

test('affinity: round-trips for the calling thread and reports bad requests', () => {
  const original = getAffinity(0);
  assert.ok(original.length > 0);
  assert.deepEqual(getAffinity(process.pid), original);
  try {
    setAffinity(0, [original[0]!]);
    assert.deepEqual(getAffinity(0), [original[0]]);
  } finally {
    setAffinity(0, original);
  }
  assert.deepEqual(getAffinity(0), original);
  assert.throws(() => setAffinity(0, []), { name: 'RangeError' });
  assert.throws(() => setAffinity(0, [4095]), { code: 'EINVAL', syscall: 'sched_setaffinity' });
  assert.throws(() => getAffinity(2 ** 31 - 1), { code: 'ESRCH', path: `pid ${2 ** 31 - 1}` });
});

test('mapFileReadOnly: a live, zero-copy view of the file', (t) => {
  const path = join(tempDir(t), 'ram');
  writeFileSync(path, Buffer.alloc(3 * 4096, 0xaa));
  const view = mapFileReadOnly(path, 4096n, 8192);
  assert.equal(view.length, 8192);
  assert.equal(view[0], 0xaa);
  // Another writer's changes (a running guest) show through without remapping.
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.from([1, 2, 3]), 0, 3, 4096);
  closeSync(fd);
  assert.deepEqual([...view.subarray(0, 3)], [1, 2, 3]);
  assert.equal(mapFileReadOnly(path, 0, 4096)[0], 0xaa, 'number offsets work too');
});

test('mapFileReadOnly: refuses unaligned, out-of-file and missing ranges clearly', (t) => {
  const path = join(tempDir(t), 'ram');
  writeFileSync(path, Buffer.alloc(8192));
  assert.throws(() => mapFileReadOnly(path, 100, 16), {
    name: 'RangeError',
    message: /offset 100 is not a multiple of the page size \(\d+\) for '.*ram'; map from offset 0 and skip the first 100 bytes/,
  });
  assert.throws(() => mapFileReadOnly(path, 4096, 8192), { name: 'RangeError', message: /extends past the end of '.*ram' \(8192 bytes\)/ });
  assert.throws(() => mapFileReadOnly(path, -4096n, 16), { name: 'RangeError' });
  assert.throws(() => mapFileReadOnly(path, 0, 0), { name: 'RangeError', message: /length must be between 1/ });
  const missing = join(tempDir(t), 'nope');
  assert.throws(() => mapFileReadOnly(missing, 0, 16), { code: 'ENOENT', syscall: 'open', path: missing });
});

test('nativeArtifacts: absolute paths under native/out', () => {
  for (const name of ['guestAgent', 'fixtureScheduler'] as const) {
    assert.ok(isAbsolute(nativeArtifacts[name]));
    assert.match(nativeArtifacts[name], /\/native\/out\/(ktstr-guest|scx-ktstr)$/);
    assert.equal(typeof nativeArtifacts.exists(name), 'boolean');
  }
  assert.ok(nativeArtifacts.missing().every((n) => !nativeArtifacts.exists(n)));
});
