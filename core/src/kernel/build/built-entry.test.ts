// A build's results become a kernel cache entry like a fetched kernel's, named by release and
// key, found by that name, not taken as the default over a fetched kernel, and its symbols are read without a
// guest. Tested on a build tree made by hand (an ELF vmlinux with .BTF and .symtab), so no kernel
// is built here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KtstrError } from '../../errors.js';
import { findCachedKernel } from '../kernel-cache.js';
import { linkTimeSymbols } from '../../monitor/symbol-cache.js';
import { vmlinuxSymbols } from '../../monitor/vmlinux-symbols.js';
import { Symbols } from '../../monitor/symbols.js';
import { type BuildMeta, installBuiltKernel } from './build-kernel.js';
import { buildKey, builtEntryName, configHash } from './build-key.js';

/** An ELF64 image holding the given sections (after the null section; .shstrtab is added last). */
function elf(sections: { name: string; type: number; data: Buffer; link?: number; entsize?: number }[]): Buffer {
  const all = [{ name: '', type: 0, data: Buffer.alloc(0) }, ...sections];
  const names = Buffer.concat([Buffer.from('\0'), ...all.slice(1).map((s) => Buffer.from(`${s.name}\0`)), Buffer.from('.shstrtab\0')]);
  all.push({ name: '.shstrtab', type: 3, data: names });
  const nameOffsets: number[] = [];
  let n = 1;
  for (const s of all) {
    if (s.name === '') nameOffsets.push(0);
    else {
      nameOffsets.push(n);
      n += s.name.length + 1;
    }
  }
  let at = 64;
  const offsets = all.map((s) => {
    const o = at;
    at += s.data.length;
    return o;
  });
  const shoff = at;
  const header = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(header, 0);
  header.writeUInt16LE(2, 16); // ET_EXEC
  header.writeUInt16LE(62, 18); // x86_64
  header.writeUInt32LE(1, 20);
  header.writeBigUInt64LE(BigInt(shoff), 0x28);
  header.writeUInt16LE(64, 0x34);
  header.writeUInt16LE(64, 0x3a);
  header.writeUInt16LE(all.length, 0x3c);
  header.writeUInt16LE(all.length - 1, 0x3e);
  const table = all.map((s, i) => {
    const h = Buffer.alloc(64);
    h.writeUInt32LE(nameOffsets[i]!, 0);
    h.writeUInt32LE(s.type, 4);
    h.writeBigUInt64LE(BigInt(offsets[i]!), 24);
    h.writeBigUInt64LE(BigInt(s.data.length), 32);
    h.writeUInt32LE((s as { link?: number }).link ?? 0, 40);
    h.writeBigUInt64LE(BigInt((s as { entsize?: number }).entsize ?? 0), 56);
    return h;
  });
  return Buffer.concat([header, ...all.map((s) => s.data), ...table]);
}

function symbol(nameOff: number, info: number, shndx: number, value: bigint): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(nameOff, 0);
  b[4] = info;
  b.writeUInt16LE(shndx, 6);
  b.writeBigUInt64LE(value, 8);
  return b;
}

const strtab = Buffer.from('\0_text\0runqueues\0', 'latin1');
const symtab = Buffer.concat([Buffer.alloc(24), symbol(1, 0x10, 1, 0xffffffff81000000n), symbol(7, 0x11, 1, 0xffffffff83000000n)]);
const vmlinux = elf([
  { name: '.text', type: 1, data: Buffer.alloc(16) },
  { name: '.BTF', type: 1, data: Buffer.from([0x9f, 0xeb, 1, 0]) },
  { name: '.symtab', type: 2, data: symtab, link: 4, entsize: 24 },
  { name: '.strtab', type: 3, data: strtab },
]);

function fakeBuildTree(dir: string): string {
  const bt = join(dir, 'tree');
  mkdirSync(join(bt, 'arch/x86/boot'), { recursive: true });
  const bz = Buffer.alloc(0x300);
  bz.write('HdrS', 0x202, 'latin1');
  writeFileSync(join(bt, 'arch/x86/boot/bzImage'), bz);
  writeFileSync(join(bt, 'vmlinux'), vmlinux);
  writeFileSync(join(bt, 'System.map'), 'ffffffff81000000 T _text\nffffffff83000000 D runqueues\n');
  writeFileSync(join(bt, '.config'), 'CONFIG_SCHED_CLASS_EXT=y\n');
  writeFileSync(join(bt, 'build.log'), '  CC      init/main.o\n');
  return bt;
}

test('a built kernel is a cache entry found by its name, not the default over a fetched one, with symbols from its System.map', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-built-'));
  const saved = process.env.KTSTR_CACHE_DIR;
  process.env.KTSTR_CACHE_DIR = join(dir, 'cache');
  t.after(() => {
    if (saved === undefined) delete process.env.KTSTR_CACHE_DIR;
    else process.env.KTSTR_CACHE_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });
  const bt = fakeBuildTree(dir);
  const id = 'debian:linux-source-7.2=7.2.13-1';
  const hash = configHash(readFileSync(join(bt, '.config'), 'utf8'));
  const key = buildKey(id, hash);
  const name = builtEntryName('7.2.13', key);
  const meta: BuildMeta = { source: id, configHash: hash, key, base: 'tinyconfig', cpus: [0], cpuset: 'cgroup2', compiled: 1, makeSeconds: 1 };
  const k = installBuiltKernel({ buildTree: bt, id }, name, '7.2.13', meta, join(bt, 'build.log'), () => {});
  assert.equal(k.release, name);
  assert.equal(k.version, '7.2.13');
  assert.equal(k.origin, `build:${id}`);
  assert.deepEqual(JSON.parse(readFileSync(join(k.dir, 'meta.json'), 'utf8')).build, meta);
  assert.equal(readFileSync(join(k.dir, 'build.log'), 'utf8'), '  CC      init/main.o\n');
  assert.equal(findCachedKernel(name)?.dir, k.dir);
  assert.equal(findCachedKernel()?.release, name, 'with nothing else cached, the built kernel is all there is');
  // A fetched kernel of the same or an older version is the default over it.
  const fetched = join(process.env.KTSTR_CACHE_DIR!, 'kernels', '7.2.12+deb14-cloud-amd64');
  mkdirSync(fetched);
  for (const f of ['vmlinuz', 'vmlinux', 'System.map', 'config']) writeFileSync(join(fetched, f), '');
  writeFileSync(join(fetched, 'meta.json'), JSON.stringify({ release: '7.2.12+deb14-cloud-amd64', version: '7.2.12', origin: 'debian:x', fetchedAt: '' }));
  assert.equal(findCachedKernel()?.release, '7.2.12+deb14-cloud-amd64');
  assert.equal(findCachedKernel(name)?.release, name);
  const syms = linkTimeSymbols(k);
  assert.ok(syms instanceof Symbols && syms.source === 'System.map');
  // Without a System.map the vmlinux's .symtab serves.
  const fromElf = vmlinuxSymbols(k.vmlinux);
  assert.ok(fromElf instanceof Symbols, String((fromElf as { unavailable?: string }).unavailable));
  assert.equal(fromElf.address('runqueues'), 0xffffffff83000000n);
});

test('a vmlinux without .BTF is refused before it reaches the cache', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-built-'));
  const saved = process.env.KTSTR_CACHE_DIR;
  process.env.KTSTR_CACHE_DIR = join(dir, 'cache');
  t.after(() => {
    if (saved === undefined) delete process.env.KTSTR_CACHE_DIR;
    else process.env.KTSTR_CACHE_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });
  const bt = fakeBuildTree(dir);
  writeFileSync(join(bt, 'vmlinux'), elf([{ name: '.symtab', type: 2, data: symtab, link: 2, entsize: 24 }, { name: '.strtab', type: 3, data: strtab }]));
  const meta: BuildMeta = { source: 'tree:/x', configHash: '0', key: 'k', base: 'tinyconfig', cpus: [0], cpuset: 'affinity', compiled: 0, makeSeconds: 0 };
  assert.throws(() => installBuiltKernel({ buildTree: bt, id: 'tree:/x' }, '7.2.13-build-k', '7.2.13', meta, join(bt, 'build.log'), () => {}),
    (e: unknown) => e instanceof KtstrError && /no \.BTF section/.test(e.message));
  assert.equal(findCachedKernel('7.2.13-build-k'), undefined);
});
