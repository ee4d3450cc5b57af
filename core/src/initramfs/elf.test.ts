import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EM_X86_64, parseElf, readElfFile } from './elf.js';

const HOST_LIB_DIR = '/usr/lib/x86_64-linux-gnu';

interface ReadelfFacts {
  interpreter: string | null;
  needed: string[];
  soname: string | null;
  rpath: string[] | null;
  runpath: string[] | null;
}

/** The same facts as reported by binutils' readelf, for cross-checking. */
function readelfFacts(path: string): ReadelfFacts {
  const out = execFileSync('readelf', ['-W', '-l', '-d', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const all = (re: RegExp): string[] => [...out.matchAll(re)].map((m) => m[1]!);
  const pathList = (re: RegExp): string[] | null => {
    const values = all(re);
    return values.length === 0 ? null : values.flatMap((v) => v.split(':')).filter((d) => d.length > 0);
  };
  return {
    interpreter: all(/\[Requesting program interpreter: (.*)\]/g)[0] ?? null,
    needed: all(/\(NEEDED\)\s+Shared library: \[(.*)\]/g),
    soname: all(/\(SONAME\)\s+Library soname: \[(.*)\]/g)[0] ?? null,
    rpath: pathList(/\(RPATH\)\s+Library rpath: \[(.*)\]/g),
    runpath: pathList(/\(RUNPATH\)\s+Library runpath: \[(.*)\]/g),
  };
}

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-elf-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function gcc(dir: string, args: string[]): void {
  execFileSync('gcc', args, { cwd: dir, stdio: 'pipe' });
}

test('/bin/ls: a dynamically linked PIE with the x86-64 loader as interpreter', () => {
  const ls = readElfFile('/bin/ls');
  assert.equal(ls.file, '/bin/ls');
  assert.equal(ls.type, 'shared-object'); // PIE executables are ET_DYN
  assert.equal(ls.typeCode, 3);
  assert.equal(ls.machine, EM_X86_64);
  assert.equal(ls.machineName, 'x86_64');
  assert.equal(ls.interpreter, '/lib64/ld-linux-x86-64.so.2');
  assert.ok(ls.needed.includes('libc.so.6'), ls.needed.join(','));
  assert.equal(ls.isStatic, false);
  assert.equal(ls.hasDynamicSegment, true);
  assert.deepEqual(ls.needed, readelfFacts('/bin/ls').needed);
});

test('libc: a shared object with a soname that needs the loader', () => {
  const libc = readElfFile(join(HOST_LIB_DIR, 'libc.so.6'));
  assert.equal(libc.type, 'shared-object');
  assert.equal(libc.soname, 'libc.so.6');
  assert.deepEqual(libc.needed, ['ld-linux-x86-64.so.2']);
  assert.equal(libc.interpreter, '/lib64/ld-linux-x86-64.so.2'); // libc.so.6 is executable on glibc
});

test('busybox (static): no interpreter, no libraries, no dynamic segment', () => {
  const busybox = readElfFile('/bin/busybox');
  assert.equal(busybox.interpreter, null);
  assert.deepEqual(busybox.needed, []);
  assert.equal(busybox.isStatic, true);
  assert.equal(busybox.hasDynamicSegment, false);
  assert.equal(busybox.type, 'executable');
});

test('agrees with readelf on the binaries and libraries installed on this host', () => {
  const files = ['/bin/ls', '/bin/busybox', '/usr/bin/qemu-system-x86_64', '/usr/bin/lz4', '/usr/bin/gcc'];
  const libraries = readdirSync(HOST_LIB_DIR)
    .filter((name) => /\.so(\.\d+)*$/.test(name))
    .sort()
    .map((name) => join(HOST_LIB_DIR, name))
    .filter((path) => statSync(path).isFile());
  // Every 7th library keeps the test quick while covering a broad sample.
  files.push(...libraries.filter((_, i) => i % 7 === 0));
  assert.ok(files.length > 30, `only ${files.length} files to compare`);
  for (const file of files) {
    let elf;
    try {
      elf = readElfFile(file);
    } catch (error) {
      if (/is not an ELF file/.test((error as Error).message)) continue; // linker scripts such as libm.so
      throw error;
    }
    const expected = readelfFacts(file);
    assert.equal(elf.interpreter, expected.interpreter, `${file} interpreter`);
    assert.deepEqual(elf.needed, expected.needed, `${file} needed`);
    assert.equal(elf.soname, expected.soname, `${file} soname`);
    assert.deepEqual(elf.rpath, expected.rpath, `${file} rpath`);
    assert.deepEqual(elf.runpath, expected.runpath, `${file} runpath`);
  }
});

test('compiled fixtures: DT_RPATH vs DT_RUNPATH, DT_SONAME, $ORIGIN kept verbatim, static-pie', () => {
  withTempDir((dir) => {
    writeFileSync(join(dir, 'foo.c'), 'int foo(void) { return 42; }\n');
    writeFileSync(join(dir, 'main.c'), 'int foo(void);\nint main(void) { return foo() == 42 ? 0 : 1; }\n');
    gcc(dir, ['-shared', '-fPIC', '-Wl,-soname,libfoo.so.1', '-o', 'libfoo.so', 'foo.c']);
    gcc(dir, ['-o', 'with-runpath', 'main.c', '-L.', '-lfoo', '-Wl,--enable-new-dtags,-rpath,$ORIGIN/lib:/opt/x']);
    gcc(dir, ['-o', 'with-rpath', 'main.c', '-L.', '-lfoo', '-Wl,--disable-new-dtags,-rpath,/opt/a::/opt/b']);
    gcc(dir, ['-static-pie', '-o', 'static-pie', 'main.c', 'foo.c']);

    const lib = readElfFile(join(dir, 'libfoo.so'));
    assert.equal(lib.soname, 'libfoo.so.1');
    assert.equal(lib.interpreter, null);
    assert.equal(lib.type, 'shared-object');

    const withRunpath = readElfFile(join(dir, 'with-runpath'));
    assert.deepEqual(withRunpath.runpath, ['$ORIGIN/lib', '/opt/x']);
    assert.equal(withRunpath.rpath, null);
    assert.deepEqual(withRunpath.needed, ['libfoo.so.1', 'libc.so.6']);

    const withRpath = readElfFile(join(dir, 'with-rpath'));
    assert.deepEqual(withRpath.rpath, ['/opt/a', '/opt/b']);
    assert.equal(withRpath.runpath, null);

    const staticPie = readElfFile(join(dir, 'static-pie'));
    assert.equal(staticPie.interpreter, null);
    assert.deepEqual(staticPie.needed, []);
    assert.equal(staticPie.isStatic, true);
    assert.equal(staticPie.hasDynamicSegment, true);
  });
});

test('parseElf on bytes in memory gives the same facts as readElfFile', () => {
  const path = '/usr/bin/qemu-system-x86_64';
  const fromFile = readElfFile(path);
  const bytes = readFileSync(path);
  assert.deepEqual(parseElf(bytes, path), fromFile);
  // A view that does not start at offset 0 of its ArrayBuffer.
  const padded = Buffer.concat([Buffer.alloc(3), bytes]);
  assert.deepEqual(parseElf(new Uint8Array(padded.buffer, padded.byteOffset + 3, bytes.length), path), fromFile);
});

/** A 64-byte ELF header with the given class and data encoding, otherwise empty. */
function craftedHeader(elfClass: number, dataEncoding: number): Buffer {
  const header = Buffer.alloc(64);
  header.set([0x7f, 0x45, 0x4c, 0x46, elfClass, dataEncoding, 1], 0);
  return header;
}

test('non-ELF, 32-bit, big-endian, truncated and missing files are named in the error', () => {
  withTempDir((dir) => {
    const script = join(dir, 'script.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    assert.throws(() => readElfFile(script), (e: Error) => {
      assert.match(e.message, new RegExp(`^${script}: is not an ELF file: its first 4 bytes are not 7f 45 4c 46`));
      assert.match(e.message, /\(got "23212f62 \(\\"#!\/b\\"\)"\)/);
      assert.match(e.message, /pass the interpreter named on its #! line/);
      return true;
    });
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    assert.throws(() => readElfFile(empty), /empty: is not an ELF file.*\(got "an empty file"\)/);

    assert.throws(() => parseElf(craftedHeader(1, 1), 'lib32.so'), /^KtstrError: lib32.so: is not a 64-bit ELF file; only ELFCLASS64 is supported \(got "ELFCLASS32"\)\. Use a 64-bit build/);
    assert.throws(() => parseElf(craftedHeader(2, 2), 'ppc64.so'), /ppc64.so: is not a little-endian ELF file.*\(got "ELFDATA2MSB \(big-endian\)"\)/);

    const truncatedPath = join(dir, 'truncated');
    writeFileSync(truncatedPath, readFileSync('/bin/ls').subarray(0, 200));
    assert.throws(() => readElfFile(truncatedPath), new RegExp(`${truncatedPath}: is a truncated ELF file: the program header table spans bytes 64\\.\\.\\d+ \\(got "200 bytes"\\)`));

    assert.throws(() => readElfFile(join(dir, 'nope')), /nope: cannot be opened as an ELF file \(got "ENOENT"\)/);
  });
});
