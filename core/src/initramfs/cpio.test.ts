import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CPIO_HEADER_BYTES, CPIO_TRAILER_NAME, CpioWriter } from './cpio.js';

interface ParsedEntry {
  name: string;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  rdevMajor: number;
  rdevMinor: number;
  data: Buffer;
}

/**
 * Strict newc reader for the tests: checks the magic, that every header starts on a 4-byte
 * boundary, that every data block starts on one, and that all padding is zero.
 */
function parseNewc(archive: Buffer): ParsedEntry[] {
  const entries: ParsedEntry[] = [];
  let offset = 0;
  for (;;) {
    assert.equal(offset % 4, 0, `header at ${offset} is not 4-byte aligned`);
    assert.ok(offset + CPIO_HEADER_BYTES <= archive.length, `truncated header at ${offset}`);
    const header = archive.toString('ascii', offset, offset + CPIO_HEADER_BYTES);
    assert.equal(header.slice(0, 6), '070701', `bad magic at ${offset}`);
    const field = (i: number): number => parseInt(header.slice(6 + 8 * i, 14 + 8 * i), 16);
    const nameSize = field(11);
    const fileSize = field(6);
    const nameStart = offset + CPIO_HEADER_BYTES;
    assert.equal(archive[nameStart + nameSize - 1], 0, 'name is not NUL-terminated');
    const name = archive.toString('utf8', nameStart, nameStart + nameSize - 1);
    const dataStart = align4(nameStart + nameSize);
    assert.ok(archive.subarray(nameStart + nameSize, dataStart).every((b) => b === 0), `non-zero name padding for ${name}`);
    assert.equal(dataStart % 4, 0);
    const dataEnd = dataStart + fileSize;
    const next = align4(dataEnd);
    assert.ok(next <= archive.length, `data of ${name} runs past the end`);
    assert.ok(archive.subarray(dataEnd, next).every((b) => b === 0), `non-zero data padding for ${name}`);
    assert.equal(field(12), 0, 'check field must be 0 for 070701');
    entries.push({
      name,
      ino: field(0),
      mode: field(1),
      uid: field(2),
      gid: field(3),
      nlink: field(4),
      mtime: field(5),
      rdevMajor: field(9),
      rdevMinor: field(10),
      data: archive.subarray(dataStart, dataEnd),
    });
    offset = next;
    if (name === CPIO_TRAILER_NAME) break;
  }
  assert.equal(offset, archive.length, 'bytes after the trailer');
  return entries;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-cpio-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sampleArchive(): Buffer {
  return new CpioWriter()
    .dir('/etc', 0o750)
    .file('/init', '#!/bin/sh\necho hi\n', 0o755)
    .file('/etc/hostname', 'ktstr-guest\n')
    .file('/usr/lib/x86_64-linux-gnu/libfake.so.1', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3]), 0o644)
    .symlink('/lib', 'usr/lib')
    .symlink('/lib64/ld-linux-x86-64.so.2', '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2')
    .file('/empty', Buffer.alloc(0), 0o600)
    .finish();
}

test('GNU cpio extracts files, modes and symlinks exactly as written', () => {
  withTempDir((dir) => {
    const archivePath = join(dir, 'initramfs.cpio');
    writeFileSync(archivePath, sampleArchive());
    const root = join(dir, 'root');
    execFileSync('mkdir', [root]);
    // A restrictive umask proves the modes come from the archive, not from the extracting process.
    execFileSync('sh', ['-c', `umask 077 && cd "${root}" && cpio -id --quiet --no-absolute-filenames < "${archivePath}"`]);

    assert.equal(readFileSync(join(root, 'init'), 'utf8'), '#!/bin/sh\necho hi\n');
    assert.equal(lstatSync(join(root, 'init')).mode & 0o7777, 0o755);
    assert.equal(readFileSync(join(root, 'etc/hostname'), 'utf8'), 'ktstr-guest\n');
    assert.equal(lstatSync(join(root, 'etc/hostname')).mode & 0o7777, 0o644);
    assert.equal(lstatSync(join(root, 'etc')).mode & 0o7777, 0o750);
    assert.ok(lstatSync(join(root, 'usr/lib/x86_64-linux-gnu')).isDirectory());
    assert.equal(lstatSync(join(root, 'usr/lib/x86_64-linux-gnu')).mode & 0o7777, 0o755);
    assert.deepEqual([...readFileSync(join(root, 'usr/lib/x86_64-linux-gnu/libfake.so.1'))], [0x7f, 0x45, 0x4c, 0x46, 1, 2, 3]);
    assert.ok(lstatSync(join(root, 'lib')).isSymbolicLink());
    assert.equal(readlinkSync(join(root, 'lib')), 'usr/lib');
    assert.equal(readlinkSync(join(root, 'lib64/ld-linux-x86-64.so.2')), '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2');
    assert.equal(readFileSync(join(root, 'empty')).length, 0);
    assert.equal(lstatSync(join(root, 'empty')).mode & 0o7777, 0o600);
  });
});

test('GNU cpio lists a character device with its type, mode, owner and numbers', () => {
  withTempDir((dir) => {
    const archivePath = join(dir, 'dev.cpio');
    writeFileSync(archivePath, new CpioWriter().charDev('/dev/console', 5, 1).charDev('/dev/ttyS0', 4, 64, 0o660).finish());
    const listing = execFileSync('sh', ['-c', `cpio -tv --quiet --numeric-uid-gid < "${archivePath}"`], { encoding: 'utf8' })
      .trim()
      .split('\n');
    assert.equal(listing.length, 3, listing.join('\n')); // dev, dev/console, dev/ttyS0
    assert.match(listing[0]!, /^drwxr-xr-x\s+2\s+0\s+0\s+0\s.*\sdev$/);
    assert.match(listing[1]!, /^crw-------\s+1\s+0\s+0\s+5,\s+1\s.*\sdev\/console$/);
    assert.match(listing[2]!, /^crw-rw----\s+1\s+0\s+0\s+4,\s+64\s.*\sdev\/ttyS0$/);
  });
});

test('every header, name and data block is 4-byte aligned for all name and data lengths', () => {
  const w = new CpioWriter();
  const expected = new Map<string, Buffer>();
  for (let nameLength = 1; nameLength <= 8; nameLength++) {
    for (let dataLength = 0; dataLength <= 8; dataLength++) {
      const name = `d/${'n'.repeat(nameLength)}${dataLength}`;
      const data = Buffer.alloc(dataLength, 0xa0 + dataLength);
      w.file(name, data);
      expected.set(name, data);
    }
  }
  const entries = parseNewc(w.finish()); // asserts alignment and zero padding throughout
  for (const [name, data] of expected) {
    const entry = entries.find((e) => e.name === name);
    assert.ok(entry, `missing ${name}`);
    assert.deepEqual(entry.data, data);
  }
});

test('missing parents are emitted once, before their first child, and explicit dir() sets their mode', () => {
  const entries = parseNewc(
    new CpioWriter()
      .file('/a/b/c/one', 'x')
      .file('/a/b/two', 'y')
      .dir('/a/b', 0o700)
      .symlink('/a/link', 'b/two')
      .finish(),
  );
  const names = entries.map((e) => e.name);
  assert.deepEqual(names, ['a', 'a/b', 'a/b/c', 'a/b/c/one', 'a/b/two', 'a/link', CPIO_TRAILER_NAME]);
  const modeOf = (name: string): number => entries.find((e) => e.name === name)!.mode;
  assert.equal(modeOf('a'), 0o040755);
  assert.equal(modeOf('a/b'), 0o040700);
  assert.equal(modeOf('a/b/c/one'), 0o100644);
  assert.equal(modeOf('a/link'), 0o120777);
  assert.equal(entries.find((e) => e.name === 'a/link')!.data.toString(), 'b/two');
});

test('headers carry uid/gid 0, mtime 0, unique inodes, and nlink 2 for directories', () => {
  const entries = parseNewc(sampleArchive());
  const real = entries.filter((e) => e.name !== CPIO_TRAILER_NAME);
  assert.ok(real.every((e) => e.uid === 0 && e.gid === 0 && e.mtime === 0));
  const inodes = real.map((e) => e.ino);
  assert.equal(new Set(inodes).size, inodes.length, `duplicate inode in ${inodes.join(',')}`);
  assert.ok(inodes.every((i) => i > 0));
  for (const e of real) assert.equal(e.nlink, (e.mode & 0o170000) === 0o040000 ? 2 : 1, e.name);
  const trailer = entries.at(-1)!;
  assert.equal(trailer.name, CPIO_TRAILER_NAME);
  assert.equal(trailer.data.length, 0);
});

test('output is reproducible, and mtime is configurable', () => {
  assert.deepEqual(sampleArchive(), sampleArchive());
  const w = new CpioWriter({ mtime: 1_700_000_000 }).file('/f', 'x');
  assert.deepEqual(w.finish(), w.finish());
  const [entry] = parseNewc(w.finish());
  assert.equal(entry!.mtime, 1_700_000_000);
});

test('the empty archive is just the trailer', () => {
  const archive = new CpioWriter().finish();
  const entries = parseNewc(archive);
  assert.deepEqual(entries.map((e) => e.name), [CPIO_TRAILER_NAME]);
  assert.equal(archive.length, 124); // 110-byte header + "TRAILER!!!\0" (11 bytes), padded to 4
});

test('mistakes are reported with the path, the value and a remedy', () => {
  const w = new CpioWriter().file('/etc/passwd', 'root:x:0:0::/:/bin/sh\n').symlink('/lib', 'usr/lib');
  assert.throws(() => w.file('/etc/passwd', 'again'), /cpio path: is already in the archive as a file; cannot add it again as a file \(got "\/etc\/passwd"\)\. Add each path once/);
  assert.throws(() => w.dir('/etc/passwd'), /already in the archive as a file/);
  assert.throws(() => w.dir('/etc').dir('/etc'), /already in the archive as a dir/);
  assert.throws(() => w.file('/etc/passwd/x', ''), /cpio path "\/etc\/passwd\/x": needs its parent to be a directory, but the archive already has a file there \(got "\/etc\/passwd"\)/);
  assert.throws(() => w.file('/lib/libc.so.6', ''), /already has a symlink there.*under the directory the symlink points to/);
  for (const bad of ['', '/', 'a//b', 'a/', './a', 'a/../b', 'a\0b', CPIO_TRAILER_NAME]) {
    assert.throws(() => new CpioWriter().file(bad, ''), /cpio path/, JSON.stringify(bad));
  }
  assert.throws(() => new CpioWriter().file('/f', '', 0o100644), /cpio.file\("\/f"\).mode: must be permission bits between 0o0 and 0o7777 \(got "0o100644"\)/);
  assert.throws(() => new CpioWriter().charDev('/dev/x', 4096, 0), /cpio.charDev\("\/dev\/x"\).major: must be an integer between 0 and 4095 \(got 4096\)/);
  assert.throws(() => new CpioWriter().charDev('/dev/x', 1, -1), /minor/);
  assert.throws(() => new CpioWriter().symlink('/x', ''), /target: must be a non-empty string/);
  assert.throws(() => new CpioWriter({ mtime: -1 }), /cpio.mtime/);
  assert.equal(w.has('/etc'), true);
  assert.equal(w.has('etc/passwd'), true);
  assert.equal(w.has('/nope'), false);
});
