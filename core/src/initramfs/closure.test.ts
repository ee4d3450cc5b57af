import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { KtstrError } from '../errors.js';
import {
  debianSystemLibraryDirs,
  expandDynamicStringTokens,
  resolveSharedLibraries,
  type SharedLibraryEntry,
  UnresolvedLibrariesError,
} from './closure.js';
import { EM_X86_64, readElfFile } from './elf.js';

/**
 * Resolves `path` using only the closure's entries, the way the guest kernel will once they
 * are unpacked: follows the symlink entries and must end at a file entry.
 */
function resolveInGuest(entries: readonly SharedLibraryEntry[], path: string): string | null {
  const links = new Map<string, string>();
  const files = new Set<string>();
  for (const e of entries) {
    if (e.kind === 'symlink') links.set(e.guestPath, e.target);
    else files.add(e.guestPath);
  }
  const pending = path.split('/');
  let resolved = '/';
  for (let hops = 0; pending.length > 0; ) {
    const component = pending.shift()!;
    if (component === '' || component === '.') continue;
    if (component === '..') {
      resolved = dirname(resolved);
      continue;
    }
    const next = join(resolved, component);
    const target = links.get(next);
    if (target === undefined) {
      resolved = next;
      continue;
    }
    assert.ok(++hops < 40, `symlink loop at ${next}`);
    if (target.startsWith('/')) resolved = '/';
    pending.unshift(...target.split('/'));
  }
  return files.has(resolved) ? resolved : null;
}

/** Paths the real loader opens for `binary`, from `ldd` (the vDSO has no file and is left out). */
function lddPaths(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const paths: string[] = [];
  for (const line of out.split('\n')) {
    assert.ok(!line.includes('not found'), `ldd: ${line}`);
    const match = /^\s*(?:\S+ => )?(\/\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (match) paths.push(match[1]!);
  }
  return paths;
}

/** The closure must let the guest find every path the host loader opens, and contain nothing more. */
function assertMatchesLdd(binary: string): SharedLibraryEntry[] {
  const entries = resolveSharedLibraries([binary]);
  const opened = lddPaths(binary);
  assert.ok(opened.length > 0);
  for (const path of opened) {
    assert.equal(resolveInGuest(entries, path), realpathSync(path), `${path} does not resolve in the guest`);
  }
  const files = entries.filter((e) => e.kind === 'file').map((e) => e.guestPath).sort();
  assert.deepEqual(files, [...new Set(opened.map((p) => realpathSync(p)))].sort());
  for (const e of entries) assert.equal(e.hostPath, e.guestPath);
  return entries;
}

test('/bin/ls: libraries and interpreter as ldd reports them, symlinks included', () => {
  const entries = assertMatchesLdd('/bin/ls');
  assert.ok(entries.some((e) => e.kind === 'file' && e.guestPath.endsWith('/libc.so.6')));
  assert.ok(entries.some((e) => e.kind === 'file' && e.guestPath.endsWith('/ld-linux-x86-64.so.2')));
  assert.notEqual(resolveInGuest(entries, '/lib64/ld-linux-x86-64.so.2'), null);
});

test('qemu-system-x86_64: a large closure, identical to ldd', () => {
  const entries = assertMatchesLdd('/usr/bin/qemu-system-x86_64');
  assert.ok(entries.filter((e) => e.kind === 'file').length > 40);
});

test('a static binary has an empty closure', () => {
  assert.deepEqual(resolveSharedLibraries(['/bin/busybox']), []);
});

test('results for several binaries are sorted and de-duplicated', () => {
  const both = resolveSharedLibraries(['/bin/ls', '/usr/bin/qemu-system-x86_64', '/bin/ls']);
  const paths = both.map((e) => e.guestPath);
  assert.deepEqual(paths, [...paths].sort());
  assert.equal(new Set(paths).size, paths.length);
  const union = new Set([...resolveSharedLibraries(['/bin/ls']), ...resolveSharedLibraries(['/usr/bin/qemu-system-x86_64'])].map((e) => e.guestPath));
  assert.deepEqual(new Set(paths), union);
});

test('a binary that is not ELF is reported by name', () => {
  assert.throws(() => resolveSharedLibraries(['/usr/bin/ldd']), (e: unknown) => e instanceof KtstrError && /^\/usr\/bin\/ldd: is not an ELF file/.test(e.message));
});

test('$ORIGIN, $LIB and $PLATFORM expand like glibc on Debian x86-64', () => {
  assert.equal(expandDynamicStringTokens('$ORIGIN/../lib:${ORIGIN}/x', '/opt/app/bin', EM_X86_64), '/opt/app/bin/../lib:/opt/app/bin/x');
  assert.equal(expandDynamicStringTokens('/p/$LIB/${PLATFORM}', '/o', EM_X86_64), '/p/lib/x86_64-linux-gnu/x86_64');
  assert.equal(expandDynamicStringTokens('/p/$ORIGINAL/$OTHER', '/o', EM_X86_64), '/p/$ORIGINAL/$OTHER');
  assert.deepEqual(debianSystemLibraryDirs(EM_X86_64), ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib', '/usr/lib']);
});

/**
 * Adds a DT_RUNPATH entry with the same string as the existing DT_RPATH, in a spare DT_NULL
 * slot of the dynamic section (current linkers never write both tags themselves).
 */
function addRunpathCopyOfRpath(file: string): void {
  const bytes = readFileSync(file);
  const phoff = Number(bytes.readBigUInt64LE(32));
  const phentsize = bytes.readUInt16LE(54);
  const phnum = bytes.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (bytes.readUInt32LE(ph) !== 2) continue; // PT_DYNAMIC
    const start = Number(bytes.readBigUInt64LE(ph + 8));
    const slots = Number(bytes.readBigUInt64LE(ph + 32)) / 16;
    let rpath: bigint | undefined;
    for (let slot = 0; slot < slots; slot++) {
      const at = start + slot * 16;
      const tag = bytes.readBigInt64LE(at);
      if (tag === 15n) rpath = bytes.readBigUInt64LE(at + 8);
      if (tag === 0n) {
        assert.ok(rpath !== undefined && slot + 1 < slots, 'no DT_RPATH, or no spare slot');
        bytes.writeBigInt64LE(29n, at); // DT_RUNPATH; the next slot stays DT_NULL
        bytes.writeBigUInt64LE(rpath, at + 8);
        writeFileSync(file, bytes);
        return;
      }
    }
  }
  assert.fail(`no dynamic section in ${file}`);
}

describe('compiled fixtures, cross-checked with the real loader', () => {
  let dir = '';
  const path = (...parts: string[]): string => join(dir, ...parts);
  const gcc = (...args: string[]): void => {
    try {
      execFileSync('gcc', args, { cwd: dir, stdio: 'pipe' });
    } catch (error) {
      throw new Error(`gcc ${args.join(' ')} failed: ${(error as { stderr?: Buffer }).stderr?.toString()}`);
    }
  };
  /** Runs a fixture binary with exactly the given LD_LIBRARY_PATH; returns stdout, or null if the loader fails. */
  const run = (binary: string, ldLibraryPath?: string): string | null => {
    const env = { ...process.env };
    delete env.LD_LIBRARY_PATH;
    if (ldLibraryPath !== undefined) env.LD_LIBRARY_PATH = ldLibraryPath;
    try {
      return execFileSync(binary, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    } catch {
      return null;
    }
  };
  const fileEntries = (entries: readonly SharedLibraryEntry[]): string[] =>
    entries.filter((e) => e.kind === 'file' && e.guestPath.startsWith(dir)).map((e) => e.guestPath);

  before(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'ktstr-closure-')));
    for (const sub of ['a', 'b', 'c', 'app/bin/lib', 'elsewhere', 'gone', 'c2', 'i386', 'arm64', 'exec', 'versioned']) mkdirSync(path(sub), { recursive: true });
    writeFileSync(path('foo1.c'), 'int foo(void) { return 1; }\n');
    writeFileSync(path('foo2.c'), 'int foo(void) { return 2; }\n');
    writeFileSync(path('bar.c'), 'int foo(void);\nint bar(void) { return 10 + foo(); }\n');
    writeFileSync(path('main-foo.c'), '#include <stdio.h>\nint foo(void);\nint main(void) { printf("%d\\n", foo()); return 0; }\n');
    writeFileSync(path('main-foo-bar.c'), '#include <stdio.h>\nint foo(void);\nint bar(void);\nint main(void) { printf("%d\\n", foo() + bar()); return 0; }\n');
    writeFileSync(path('main-bar.c'), '#include <stdio.h>\nint bar(void);\nint main(void) { printf("%d\\n", bar()); return 0; }\n');
    // Two different libfoo.so: which one the loader picks shows in the output (1 or 2).
    gcc('-shared', '-fPIC', '-o', 'a/libfoo.so', 'foo1.c');
    gcc('-shared', '-fPIC', '-o', 'b/libfoo.so', 'foo2.c');
    gcc('-shared', '-fPIC', '-o', 'c/libbar.so', 'bar.c', '-La', '-lfoo');
    gcc('-o', 'main-runpath-a', 'main-foo.c', '-La', '-lfoo', `-Wl,--enable-new-dtags,-rpath,${path('a')}`);
    gcc('-o', 'main-rpath-a', 'main-foo.c', '-La', '-lfoo', `-Wl,--disable-new-dtags,-rpath,${path('a')}`);
    // main -> libbar (in c) -> libfoo (only in a): only an inherited DT_RPATH reaches a.
    gcc('-o', 'main-bar-rpath', 'main-bar.c', '-Lc', '-lbar', `-Wl,--disable-new-dtags,-rpath,${path('c')}:${path('a')}`);
    gcc('-o', 'main-bar-runpath', 'main-bar.c', '-Lc', '-lbar', '-Wl,-rpath-link,a', `-Wl,--enable-new-dtags,-rpath,${path('c')}:${path('a')}`);
    // main -> libfoo (via RUNPATH) and libbar -> libfoo: already loaded, so libbar's lack of a path does not matter.
    gcc('-o', 'main-foo-bar-runpath', 'main-foo-bar.c', '-La', '-lfoo', '-Lc', '-lbar', `-Wl,--enable-new-dtags,-rpath,${path('c')}:${path('a')}`);
    // main (DT_RPATH c2:a) -> libbaz (DT_RUNPATH /nonexistent) -> libfoo: libbaz's RUNPATH switches off every RPATH.
    gcc('-shared', '-fPIC', '-o', 'c2/libbaz.so', 'bar.c', '-La', '-lfoo', '-Wl,--enable-new-dtags,-rpath,/nonexistent');
    gcc('-o', 'main-baz-rpath', 'main-bar.c', '-Lc2', '-lbaz', '-Wl,-rpath-link,a', `-Wl,--disable-new-dtags,-rpath,${path('c2')}:${path('a')}`);
    // Both DT_RPATH and DT_RUNPATH naming a: the RPATH is ignored, so LD_LIBRARY_PATH wins.
    gcc('-o', 'main-both-a', 'main-foo.c', '-La', '-lfoo', `-Wl,--disable-new-dtags,-rpath,${path('a')}`);
    addRunpathCopyOfRpath(path('main-both-a'));
    gcc('-o', 'main-bar-both', 'main-bar.c', '-Lc', '-lbar', '-Wl,-rpath-link,a', `-Wl,--disable-new-dtags,-rpath,${path('c')}:${path('a')}`);
    addRunpathCopyOfRpath(path('main-bar-both'));
    // $ORIGIN: the library sits next to the binary.
    gcc('-shared', '-fPIC', '-o', 'app/bin/lib/libfoo.so', 'foo1.c');
    gcc('-o', 'app/bin/main', 'main-foo.c', '-Lapp/bin/lib', '-lfoo', '-Wl,-rpath,$ORIGIN/lib');
    gcc('-o', 'app/bin/main-rpath', 'main-foo.c', '-Lapp/bin/lib', '-lfoo', '-Wl,--disable-new-dtags,-rpath,$ORIGIN/lib');
    symlinkSync('../app/bin/main', path('elsewhere/main-link'));
    // Missing libraries: link against copies, then delete them.
    gcc('-shared', '-fPIC', '-o', 'gone/libgone.so', 'foo1.c');
    gcc('-o', 'main-gone', 'main-foo.c', '-Lgone', '-lgone');
    gcc('-shared', '-fPIC', '-o', 'gone/libbar.so', 'bar.c', '-La', '-lfoo');
    gcc('-o', 'main-bar-gone', 'main-bar.c', '-Lgone', '-lbar', '-Wl,-rpath-link,a');
    unlinkSync(path('gone/libgone.so'));
    unlinkSync(path('gone/libbar.so'));
    // A 32-bit library under the right name: the loader skips it and keeps searching.
    const header32 = Buffer.alloc(64);
    header32.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0);
    writeFileSync(path('i386/libfoo.so'), header32);
    // A 64-bit library for another machine (aarch64): also skipped.
    const headerArm64 = Buffer.alloc(64);
    headerArm64.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
    headerArm64.writeUInt16LE(3, 16); // ET_DYN
    headerArm64.writeUInt16LE(183, 18); // EM_AARCH64
    headerArm64.writeUInt32LE(1, 20); // EV_CURRENT: glibc treats any other e_version as a hard error
    writeFileSync(path('arm64/libfoo.so'), headerArm64);
    // An x86-64 executable (ET_EXEC) under a library's name.
    const headerExec = Buffer.from(headerArm64);
    headerExec.writeUInt16LE(2, 16); // ET_EXEC
    headerExec.writeUInt16LE(62, 18); // EM_X86_64
    writeFileSync(path('exec/libfoo.so'), headerExec);
    // A versioned library reached through a directory symlink and a version symlink.
    gcc('-shared', '-fPIC', '-Wl,-soname,libver.so.1', '-o', 'versioned/libver.so.1.2.3', 'foo2.c');
    symlinkSync('libver.so.1.2.3', path('versioned/libver.so.1'));
    symlinkSync('libver.so.1', path('versioned/libver.so'));
    symlinkSync('versioned', path('versioned-link'));
    gcc('-o', 'main-ver', 'main-foo.c', '-Lversioned', '-lver', `-Wl,-rpath,${path('versioned-link')}`);
    chmodSync(path('main-ver'), 0o755);
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  test('DT_RUNPATH comes after LD_LIBRARY_PATH', () => {
    assert.equal(run(path('main-runpath-a')), '1');
    assert.equal(run(path('main-runpath-a'), path('b')), '2');
    assert.deepEqual(fileEntries(resolveSharedLibraries([path('main-runpath-a')])), [path('a/libfoo.so')]);
    assert.deepEqual(fileEntries(resolveSharedLibraries([path('main-runpath-a')], { ldLibraryPath: [path('b')] })), [path('b/libfoo.so')]);
  });

  test('DT_RPATH comes before LD_LIBRARY_PATH', () => {
    assert.equal(run(path('main-rpath-a'), path('b')), '1');
    assert.deepEqual(fileEntries(resolveSharedLibraries([path('main-rpath-a')], { ldLibraryPath: [path('b')] })), [path('a/libfoo.so')]);
  });

  test('an object with both DT_RPATH and DT_RUNPATH is searched by its DT_RUNPATH only', () => {
    assert.equal(run(path('main-both-a')), '1');
    assert.equal(run(path('main-both-a'), path('b')), '2');
    const elf = readElfFile(path('main-both-a'));
    assert.deepEqual([elf.rpath, elf.runpath], [[path('a')], [path('a')]]);
    assert.deepEqual(fileEntries(resolveSharedLibraries([path('main-both-a')], { ldLibraryPath: [path('b')] })), [path('b/libfoo.so')]);
    // Nor does its ignored DT_RPATH reach indirect dependencies.
    assert.equal(run(path('main-bar-both')), null, 'the real loader fails to find libfoo.so for libbar.so');
    assert.throws(() => resolveSharedLibraries([path('main-bar-both')]), UnresolvedLibrariesError);
  });

  test("the executable's DT_RPATH applies to indirect dependencies, its DT_RUNPATH does not", () => {
    assert.equal(run(path('main-bar-rpath')), '11');
    assert.deepEqual(fileEntries(resolveSharedLibraries([path('main-bar-rpath')])), [path('a/libfoo.so'), path('c/libbar.so')]);

    assert.equal(run(path('main-bar-runpath')), null, 'the real loader fails to find libfoo.so for libbar.so');
    assert.throws(
      () => resolveSharedLibraries([path('main-bar-runpath')]),
      (e: unknown) => {
        assert.ok(e instanceof UnresolvedLibrariesError);
        assert.deepEqual(
          e.unresolved.map((u) => [u.library, u.neededBy, u.binary]),
          [['libfoo.so', path('c/libbar.so'), path('main-bar-runpath')]],
        );
        return true;
      },
    );
  });

  test('a DT_RUNPATH on the needing library switches off the DT_RPATH of the objects above it', () => {
    assert.equal(run(path('main-baz-rpath')), null, 'the real loader fails to find libfoo.so for libbaz.so');
    assert.throws(
      () => resolveSharedLibraries([path('main-baz-rpath')]),
      (e: unknown) => e instanceof UnresolvedLibrariesError && e.unresolved.length === 1 && e.unresolved[0]!.library === 'libfoo.so' && e.unresolved[0]!.searched[0] === '/nonexistent',
    );
  });

  test('$ORIGIN in DT_RUNPATH and DT_RPATH is the directory of the binary', () => {
    for (const binary of ['app/bin/main', 'app/bin/main-rpath']) {
      assert.equal(run(path(binary)), '1');
      assert.deepEqual(fileEntries(resolveSharedLibraries([path(binary)])), [path('app/bin/lib/libfoo.so')]);
    }
  });

  test("$ORIGIN of an executable reached through a symlink is its real directory, as /proc/self/exe gives", () => {
    assert.equal(run(path('elsewhere/main-link')), '1');
    assert.deepEqual(fileEntries(resolveSharedLibraries([path('elsewhere/main-link')])), [path('app/bin/lib/libfoo.so')]);
  });

  test('a 32-bit library under the right name is skipped, as the loader does', () => {
    assert.equal(run(path('main-runpath-a'), `${path('i386')}:${path('b')}`), '2');
    assert.deepEqual(
      fileEntries(resolveSharedLibraries([path('main-runpath-a')], { ldLibraryPath: [path('i386'), path('b')] })),
      [path('b/libfoo.so')],
    );
  });

  test('a library for another machine under the right name is skipped, as the loader does', () => {
    assert.equal(run(path('main-runpath-a'), `${path('arm64')}:${path('b')}`), '2');
    assert.deepEqual(
      fileEntries(resolveSharedLibraries([path('main-runpath-a')], { ldLibraryPath: [path('arm64'), path('b')] })),
      [path('b/libfoo.so')],
    );
    assert.throws(
      () => resolveSharedLibraries([path('main-gone')], { ldLibraryPath: [path('arm64')] }),
      (e: unknown) => e instanceof UnresolvedLibrariesError && e.unresolved.length === 1,
    );
  });

  test('an executable under a library name is skipped', () => {
    // glibc would stop with "cannot dynamically load executable"; the guest never contains the
    // skipped file, so there the loader reaches the library chosen here.
    assert.deepEqual(
      fileEntries(resolveSharedLibraries([path('main-runpath-a')], { ldLibraryPath: [path('exec'), path('b')] })),
      [path('b/libfoo.so')],
    );
  });

  test('a library already loaded in the process satisfies later requests without a search', () => {
    assert.equal(run(path('main-foo-bar-runpath')), '12');
    assert.deepEqual(fileEntries(resolveSharedLibraries([path('main-foo-bar-runpath')])), [path('a/libfoo.so'), path('c/libbar.so')]);
  });

  test('symlinks between the looked-up path and the real file are kept as symlinks', () => {
    assert.equal(run(path('main-ver')), '2');
    const entries = resolveSharedLibraries([path('main-ver')]);
    const ours = entries.filter((e) => e.guestPath.startsWith(dir));
    assert.deepEqual(ours, [
      { kind: 'file', guestPath: path('versioned/libver.so.1.2.3'), hostPath: path('versioned/libver.so.1.2.3') },
      { kind: 'symlink', guestPath: path('versioned-link'), hostPath: path('versioned-link'), target: 'versioned' },
      { kind: 'symlink', guestPath: path('versioned/libver.so.1'), hostPath: path('versioned/libver.so.1'), target: 'libver.so.1.2.3' },
    ].sort((x, y) => (x.guestPath < y.guestPath ? -1 : 1)));
    assert.equal(resolveInGuest(entries, path('versioned-link/libver.so.1')), path('versioned/libver.so.1.2.3'));
  });

  test('every missing library is listed with the binary that needs it', () => {
    assert.equal(run(path('main-gone')), null);
    assert.throws(
      () => resolveSharedLibraries([path('main-gone'), '/bin/ls', path('main-bar-gone')], { ldLibraryPath: [path('i386')] }),
      (e: unknown) => {
        assert.ok(e instanceof UnresolvedLibrariesError);
        assert.ok(e instanceof KtstrError);
        assert.deepEqual(
          e.unresolved.map((u) => [u.library, u.neededBy]),
          [['libgone.so', path('main-gone')], ['libbar.so', path('main-bar-gone')]],
        );
        const gone = e.unresolved[0]!;
        assert.deepEqual(gone.searched, [path('i386'), '/etc/ld.so.cache', ...debianSystemLibraryDirs(EM_X86_64)]);
        assert.ok(
          e.message.startsWith(
            `shared libraries: cannot all be found (got ["libgone.so (needed by ${path('main-gone')})","libbar.so (needed by ${path('main-bar-gone')})"]). Install the packages that provide them`,
          ),
          e.message,
        );
        assert.ok(e.message.includes(`  - libgone.so, needed by ${path('main-gone')}; searched ${path('i386')}, /etc/ld.so.cache, /lib/x86_64-linux-gnu`), e.message);
        assert.ok(e.message.includes(`  - libbar.so, needed by ${path('main-bar-gone')}`), e.message);
        return true;
      },
    );
  });

  test('unusable files under the right name are listed as skipped', () => {
    copyFileSync(path('i386/libfoo.so'), path('i386/libgone.so'));
    try {
      assert.throws(
        () => resolveSharedLibraries([path('main-gone')], { ldLibraryPath: [path('i386')] }),
        (e: unknown) => {
          assert.ok(e instanceof UnresolvedLibrariesError);
          assert.deepEqual(e.unresolved[0]!.rejected, [`${path('i386/libgone.so')} (is not a 64-bit ELF file; only ELFCLASS64 is supported (got "ELFCLASS32"))`]);
          assert.ok(e.message.includes(`skipped ${path('i386/libgone.so')} (is not a 64-bit ELF file`), e.message);
          return true;
        },
      );
    } finally {
      unlinkSync(path('i386/libgone.so'));
    }
  });

  test('the cache and system directories can be replaced', () => {
    // Without the cache and with no system directories, even libc cannot be found.
    assert.throws(
      () => resolveSharedLibraries(['/bin/ls'], { ldSoCachePath: null, systemDirs: [] }),
      (e: unknown) => e instanceof UnresolvedLibrariesError && e.unresolved.some((u) => u.library === 'libc.so.6' && u.searched.length === 0),
    );
    const viaSystemDirsOnly = resolveSharedLibraries(['/bin/ls'], { ldSoCachePath: null });
    assert.deepEqual(viaSystemDirsOnly, resolveSharedLibraries(['/bin/ls']));
  });
});
