import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { EM_AARCH64, EM_X86_64 } from './elf.js';
import { ldSoCacheLookup, parseLdSoCache, readLdSoCache } from './ld-so-cache.js';

const LDCONFIG = ['/usr/sbin/ldconfig', '/sbin/ldconfig'].find((p) => existsSync(p));

test('the host cache reads the same as `ldconfig -p`, in the same order', { skip: LDCONFIG === undefined && 'ldconfig not installed' }, () => {
  const printed = execFileSync(LDCONFIG!, ['-p'], { encoding: 'utf8' }).split('\n');
  const count = Number(/^(\d+) libs found in cache/.exec(printed[0]!)?.[1]);
  const lines = printed.slice(1).filter((line) => line.startsWith('\t'));
  const expected = lines.map((line) => {
    const match = /^\t(\S+) \(([^)]*)\) => (.*)$/.exec(line);
    assert.ok(match, `unexpected ldconfig line ${JSON.stringify(line)}`);
    return { name: match[1]!, arch: match[2]!, path: match[3]! };
  });
  const entries = readLdSoCache();
  assert.equal(entries.length, count);
  assert.deepEqual(entries.map((e) => [e.name, e.path]), expected.map((e) => [e.name, e.path]));
  entries.forEach((entry, i) => {
    assert.equal((entry.flags & 0xff00) === 0x0300, expected[i]!.arch.includes('x86-64'), `${entry.name} flags 0x${entry.flags.toString(16)} vs (${expected[i]!.arch})`);
  });
});

test('the x86-64 lookup finds glibc at its multiarch path and never returns a 32-bit library', () => {
  const lookup = ldSoCacheLookup(readLdSoCache(), EM_X86_64);
  assert.equal(lookup.get('libc.so.6'), '/lib/x86_64-linux-gnu/libc.so.6');
  for (const [name, path] of lookup) assert.ok(!/\/(lib32|libx32|i386-linux-gnu)\//.test(path), `${name} -> ${path}`);
});

/** Builds a cache file in the glibc 2.32+ format from entries. */
function buildCache(entries: { flags: number; name: string; path: string; hwcap?: bigint }[]): Buffer {
  const headerBytes = 48;
  const entryBytes = 24;
  const strings: Buffer[] = [];
  let stringOffset = headerBytes + entries.length * entryBytes;
  const table = Buffer.alloc(entries.length * entryBytes);
  const addString = (s: string): number => {
    const at = stringOffset;
    const bytes = Buffer.from(`${s}\0`);
    strings.push(bytes);
    stringOffset += bytes.length;
    return at;
  };
  entries.forEach((entry, i) => {
    table.writeInt32LE(entry.flags, i * entryBytes);
    table.writeUInt32LE(addString(entry.name), i * entryBytes + 4);
    table.writeUInt32LE(addString(entry.path), i * entryBytes + 8);
    table.writeBigUInt64LE(entry.hwcap ?? 0n, i * entryBytes + 16);
  });
  const header = Buffer.alloc(headerBytes);
  header.write('glibc-ld.so.cache1.1', 0, 'latin1');
  header.writeUInt32LE(entries.length, 20);
  header.writeUInt32LE(stringOffset - headerBytes - entries.length * entryBytes, 24);
  header.writeUInt8(2, 28); // little-endian
  return Buffer.concat([header, table, ...strings]);
}

test('lookup keeps only libc6 libraries of the machine, first in cache order, preferring no hwcap', () => {
  const cache = parseLdSoCache(
    buildCache([
      { flags: 0x0003, name: 'libz.so.1', path: '/lib32/libz.so.1' }, // i386
      { flags: 0x0303, name: 'libz.so.1', path: '/opt/v3/libz.so.1', hwcap: 1n << 62n }, // glibc-hwcaps subdirectory
      { flags: 0x0303, name: 'libz.so.1', path: '/lib/x86_64-linux-gnu/libz.so.1' },
      { flags: 0x0303, name: 'libz.so.1', path: '/usr/local/lib/libz.so.1' },
      { flags: 0x0303, name: 'libonlyv3.so', path: '/opt/v3/libonlyv3.so', hwcap: 1n << 62n },
      { flags: 0x0a03, name: 'libz.so.1', path: '/lib/aarch64-linux-gnu/libz.so.1' },
      { flags: 0x0001, name: 'libold.so', path: '/lib/libold.so' }, // libc5-era type
    ]),
    'synthetic',
  );
  assert.equal(cache.length, 7);
  assert.equal(cache[1]!.hwcap, 1n << 62n);
  const x86 = ldSoCacheLookup(cache, EM_X86_64);
  assert.equal(x86.get('libz.so.1'), '/lib/x86_64-linux-gnu/libz.so.1');
  assert.equal(x86.get('libonlyv3.so'), '/opt/v3/libonlyv3.so');
  assert.equal(x86.has('libold.so'), false);
  assert.equal(ldSoCacheLookup(cache, EM_AARCH64).get('libz.so.1'), '/lib/aarch64-linux-gnu/libz.so.1');
});

test('a missing cache is empty; other formats and damage are reported with the file and a remedy', () => {
  assert.deepEqual(readLdSoCache('/nonexistent/ld.so.cache'), []);
  assert.throws(
    () => parseLdSoCache(Buffer.concat([Buffer.from('ld.so-1.7.0\0'), Buffer.alloc(64)]), '/etc/ld.so.cache'),
    /\/etc\/ld.so.cache: is in the pre-glibc-2.32 "ld.so-1.7.0" format, which is not supported .*Regenerate it with `ldconfig`/,
  );
  assert.throws(() => parseLdSoCache(Buffer.from('hello'), 'x.cache'), /x.cache: is not an ld.so cache/);
  const good = buildCache([{ flags: 0x0303, name: 'liba.so', path: '/a/liba.so' }]);
  assert.throws(() => parseLdSoCache(good.subarray(0, 60), 'cut.cache'), /cut.cache: is truncated: it announces 1 entries \(got "60 bytes"\)/);
  const badOffset = Buffer.from(good);
  badOffset.writeUInt32LE(100_000, 48 + 8);
  assert.throws(() => parseLdSoCache(badOffset, 'bad.cache'), /bad.cache: has a string offset beyond the end of the file/);
});
