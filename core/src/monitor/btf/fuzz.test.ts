/**
 * Corrupted and truncated BTF, at random: whatever the bytes, parsing and every lookup on the
 * result return a value (a Btf, a type, a BtfError, an Absent) — they never throw, never loop
 * forever on a type that refers to itself, and never allocate more than the blob's size
 * justifies. The seed is printed; rerun one with KTSTR_FUZZ_SEED=<seed>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findCachedKernel } from '../../kernel/kernel-cache.js';
import { readElfSectionFile } from '../../initramfs/elf.js';
import { Btf } from './btf.js';
import { BtfError } from './btf-error.js';
import { kernelLikeBtf } from './fixture.js';
import { enumerator } from './enumerators.js';
import { memberPath } from './member-path.js';
import { parseBtf } from './parse.js';
import { globalVariable, globalVariables } from './variables.js';
import { BtfWriter } from './btf-writer.js';
import { seededRandom } from '../../scenario/affinity.js';

const seed = Number(process.env.KTSTR_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`BTF fuzz seed ${seed} (KTSTR_FUZZ_SEED=${seed} to repeat)`);


/** One random corruption of a BTF blob. */
function mutate(bytes: Uint8Array, random: () => number, typeCount: number): Uint8Array {
  const out = new Uint8Array(bytes); // a copy (Buffer#slice would share the bytes)
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const pick = (n: number) => Math.floor(random() * n);
  const typeStart = 24 + view.getUint32(8, true);
  const typeLen = view.getUint32(12, true);
  const word = () => typeStart + 4 * pick(Math.max(1, typeLen / 4));
  const interesting = [0, 1, 0xffffffff, 0x80000000, 0xffff, typeCount - 1, typeCount, pick(typeCount), pick(typeCount)];
  switch (pick(7)) {
    case 0: // flip a few random bits anywhere
      for (let i = pick(8) + 1; i > 0; i--) out[pick(out.length)]! ^= 1 << pick(8);
      break;
    case 1: // a type-section word becomes a type id (often making a chain refer to itself)
      for (let i = pick(4) + 1; i > 0; i--) {
        const at = word();
        if (at + 4 <= out.length) view.setUint32(at, pick(typeCount), true);
      }
      break;
    case 2: // a word becomes an edge value
      {
        const at = word();
        if (at + 4 <= out.length) view.setUint32(at, interesting[pick(interesting.length)]!, true);
      }
      break;
    case 3: // a header field becomes an edge value
      view.setUint32(4 * (1 + pick(5)), interesting[pick(interesting.length)]!, true);
      break;
    case 4: // cut anywhere
      return out.subarray(0, pick(out.length));
    case 5: { // cut the type section short and say so in the header, so the walk meets the cut
      const newLen = 4 * pick(typeLen / 4 + 1);
      view.setUint32(12, newLen, true);
      break;
    }
    case 6: // an info word's kind or vlen changes
      {
        const at = word();
        if (at + 4 <= out.length) view.setUint32(at, ((pick(32) << 24) | pick(8) | (random() < 0.5 ? 0x80000000 : 0)) >>> 0, true);
      }
      break;
  }
  return out;
}

/** Every lookup on a parsed BTF, over `ids`; anything thrown escapes to the caller. */
function exercise(btf: Btf, ids: Iterable<number>): void {
  for (const id of ids) {
    btf.kind(id);
    const name = btf.name(id);
    const t = btf.type(id);
    btf.resolve(id);
    btf.sizeOf(id);
    if (typeof name === 'string' && name !== '') btf.lookup(name);
    if (t instanceof BtfError) continue;
    if ((t.kind === 'ENUM' || t.kind === 'ENUM64') && t.values[0] !== undefined) enumerator(btf, t.values[0].name);
    if (t.kind === 'STRUCT' || t.kind === 'UNION') {
      for (const m of t.members.slice(0, 8)) {
        memberPath(btf, id, m.name || 'x');
        memberPath(btf, id, `${m.name || 'x'}.y[1]`);
        memberPath(btf, id, `${m.name || 'x'}[2]`);
      }
    }
  }
  for (const v of globalVariables(btf).slice(0, 20)) globalVariable(btf, v.name);
}

function heapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function run(label: string, blob: Uint8Array, iterations: number, sampleIds: (btf: Btf, random: () => number) => Iterable<number>, base?: Btf) {
  const random = seededRandom(seed ^ label.length * 0x9e3779b9);
  const reference = parseBtf(blob, base === undefined ? {} : { base });
  assert.ok(!(reference instanceof BtfError), reference instanceof BtfError ? reference.message : '');
  const baseline = heapBytes();
  let errors = 0;
  let parsed = 0;
  for (let i = 0; i < iterations; i++) {
    const bytes = mutate(blob, random, reference.typeCount);
    try {
      const r = parseBtf(bytes, base === undefined ? {} : { base });
      if (r instanceof BtfError) {
        assert.ok(Number.isInteger(r.offset) && r.offset >= 0, 'a BtfError names a byte offset');
        errors++;
        if (process.env.KTSTR_FUZZ_VERBOSE) console.log(label, i, r.message);
        continue;
      }
      parsed++;
      exercise(r, sampleIds(r, random));
    } catch (e) {
      assert.fail(`${label} iteration ${i} (seed ${seed}) threw ${(e as Error)?.stack ?? e}`);
    }
    if (i % 50 === 0) {
      // Generous, but far below what a count taken from corrupt bytes (up to 4G entries) would take.
      assert.ok(heapBytes() - baseline < 512 * 2 ** 20 + 64 * blob.length, `${label} iteration ${i}: memory grew to ${heapBytes()} bytes`);
    }
  }
  return { errors, parsed };
}

test('corrupted synthetic BTF: a BtfError or a usable result, never a throw or a hang', { timeout: 120_000 }, (t) => {
  const { bytes } = kernelLikeBtf();
  const all = (btf: Btf) => [0, -1, btf.typeCount, ...btf.ids()];
  const r = run('synthetic', bytes, 5000, all);
  t.diagnostic(`synthetic: 5000 mutations, ${r.errors} BtfErrors, ${r.parsed} parsed and fully exercised`);
  assert.ok(r.errors > 0 && r.parsed > 0, 'the mutations reach both outcomes');
});

test('corrupted split BTF on a good base', { timeout: 120_000 }, (t) => {
  const base = parseBtf(kernelLikeBtf().bytes) as Btf;
  const w = new BtfWriter(base);
  const rq = base.find('rq')[0]!;
  const self = w.nextId;
  w.struct('ctx', 16, [{ name: 'rq', type: w.ptr(rq), bitsOffset: 0 }, { name: 'next', type: self + 2, bitsOffset: 64 }]);
  w.typedef('ctx_t', self + 1);
  w.datasec('.bss', 16, [{ type: w.var('ctx_var', self + 1), offset: 0, size: 16 }]);
  const r = run('split', w.build(), 3000, (btf) => [...btf.ids(), rq, 0], base);
  t.diagnostic(`split: 3000 mutations, ${r.errors} BtfErrors, ${r.parsed} parsed`);
});

const kernel = findCachedKernel();
const vmlinuxBtf = kernel === undefined ? null : readElfSectionFile(kernel.vmlinux, '.BTF');
const skip = vmlinuxBtf === null ? 'no cached vmlinux with a .BTF section' : false;
if (skip) console.log(`skipping the vmlinux fuzz: ${skip}`);

test('corrupted real vmlinux BTF', { skip, timeout: 300_000 }, (t) => {
  // Each parse walks 5 MB, so fewer iterations than for the synthetic blob, each exercising a
  // random sample of types plus struct rq.
  const sample = (btf: Btf, random: () => number) => {
    const ids = btf.find('rq');
    for (let i = 0; i < 300; i++) ids.push(Math.floor(random() * btf.typeCount));
    return ids;
  };
  const r = run('vmlinux', vmlinuxBtf!, 60, sample);
  t.diagnostic(`vmlinux: 60 mutations, ${r.errors} BtfErrors, ${r.parsed} parsed`);
});
