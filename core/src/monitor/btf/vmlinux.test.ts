/**
 * The parser against the kernel's own BTF: every type of the cached vmlinux is printed the way
 * `bpftool btf dump file vmlinux format raw` prints it, and the two texts must agree line for
 * line — names, kinds, sizes, member offsets, bitfields, enum values, DATASEC entries. Skipped,
 * with the reason printed, when no kernel or no toolchain bpftool is cached.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { findCachedKernel } from '../../kernel/kernel-cache.js';
import { bpftoolBlocks, cachedBpftool, formatRaw } from './bpftool-raw.js';
import type { Btf } from './btf.js';
import { BtfError } from './btf-error.js';
import type { BtfComposite, BtfType } from './kinds.js';
import { readElfBtf } from './load.js';
import { enumerator } from './enumerators.js';
import { memberBytes, memberPath } from './member-path.js';
import { globalVariable } from './variables.js';

const kernel = findCachedKernel();

const bpftool = cachedBpftool(kernel?.version);
const skip = kernel === undefined ? 'no kernel is cached (run `ktstr setup`)' : bpftool === undefined ? 'no toolchain bpftool is cached (native/scripts/build-toolchain.sh)' : false;
if (skip) console.log(`skipping the vmlinux BTF cross-check: ${skip}`);

test('every type of the cached vmlinux matches bpftool\'s raw dump', { skip }, (t) => {
  const started = performance.now();
  const btf = readElfBtf(kernel!.vmlinux);
  const parseMs = performance.now() - started;
  if (btf instanceof BtfError) throw btf;
  const indexStarted = performance.now();
  btf.find('rq');
  t.diagnostic(`${kernel!.release}: ${btf.typeCount - 1} types; read+parse ${parseMs.toFixed(0)} ms, name index ${(performance.now() - indexStarted).toFixed(0)} ms`);

  const expected = bpftoolBlocks(bpftool!, kernel!.vmlinux);
  assert.equal(btf.typeCount - 1, expected.size, 'type count');
  // The named samples first, so a mismatch in them is the one reported.
  const named = ['rq', 'task_struct', 'scx_sched', 'sched_domain', 'scx_rq', 'sched_ext_entity', 'rq_flags']
    .flatMap((n) => btf.find(n, 'STRUCT'));
  t.diagnostic(`named samples: ${named.map((id) => `${btf.name(id)}=${id}`).join(' ')}`);
  let compared = 0;
  for (const id of [...named, ...btf.ids()]) {
    const type = btf.type(id);
    if (type instanceof BtfError) throw type;
    assert.equal(formatRaw(btf, type), expected.get(id), `type ${id}`);
    compared++;
  }
  t.diagnostic(`${compared} type blocks identical to bpftool's`);
});

test('member paths in struct rq agree with bpftool, through scx and anonymous members', { skip }, () => {
  const btf = readElfBtf(kernel!.vmlinux);
  if (btf instanceof BtfError) throw btf;
  const rq = btf.lookup('rq', 'STRUCT');
  assert.ok(rq.found, rq.found ? '' : rq.why);
  const raw = execFileSync(bpftool!, ['btf', 'dump', 'file', kernel!.vmlinux, 'format', 'raw'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  /** A member's bits_offset in bpftool's block for type `id`. */
  const bpftoolOffset = (id: number, member: string): number => {
    const block = raw.split(/\n(?=\[\d+\] )/).find((b) => b.startsWith(`[${id}] `))!;
    const m = new RegExp(`\\t'${member}' type_id=(\\d+) bits_offset=(\\d+)`).exec(block);
    assert.ok(m, `bpftool shows ${member} in type ${id}`);
    return Number(m[2]);
  };
  for (const name of ['nr_running', 'clock', 'cpu', 'scx']) {
    const hit = memberPath(btf, rq.type.id, name);
    assert.ok(!(hit instanceof BtfError) && hit.found, name);
    assert.equal(hit.offsetBits, bpftoolOffset(rq.type.id, name), name);
  }
  // rq.scx.nr_running: the sum of two offsets bpftool prints in two blocks.
  const scx = memberPath(btf, rq.type.id, 'scx');
  const nr = memberPath(btf, rq.type.id, 'scx.nr_running');
  assert.ok(!(scx instanceof BtfError) && scx.found && !(nr instanceof BtfError) && nr.found);
  const scxRq = btf.resolve(scx.type) as BtfType;
  assert.equal(nr.offsetBits, scx.offsetBits + bpftoolOffset(scxRq.id, 'nr_running'));
  const absent = memberPath(btf, rq.type.id, 'no_such_field');
  assert.deepEqual(absent, { found: false, why: 'no member no_such_field in struct rq' });

  // A member reached only through an anonymous union (rq.curr is in `union { donor; curr; }` on
  // recent kernels): every named member of each anonymous struct/union member of rq is found at
  // the anonymous member's offset plus its own.
  const anon = (rq.type as BtfComposite).members.filter((m) => m.name === '');
  for (const a of anon) {
    const inner = btf.resolve(a.type) as BtfType;
    if (inner.kind !== 'STRUCT' && inner.kind !== 'UNION') continue;
    for (const m of inner.members.filter((im) => im.name !== '')) {
      const hit = memberPath(btf, rq.type.id, m.name);
      assert.ok(!(hit instanceof BtfError) && hit.found, m.name);
      assert.equal(hit.offsetBits, a.bitsOffset + m.bitsOffset, m.name);
    }
  }

  if (kernel!.release === '7.2.13+deb14-cloud-amd64') {
    // The facts the design notes quote for this kernel.
    const at = (p: string) => {
      const r = memberPath(btf, rq.type.id, p);
      assert.ok(!(r instanceof BtfError) && r.found, p);
      return r.offsetBits / 8;
    };
    assert.equal(at('nr_running'), 0);
    assert.equal(at('clock'), 3728);
    assert.equal(at('cpu'), 3880);
    assert.deepEqual(memberBytes(btf, 'rq', 'clock'), { found: true, offset: 3728, size: 8, type: memberBytesType(btf, 'clock') });
  }

  // An enumerator from the kernel's sched_ext enums (an ENUM64 here), as bpftool prints it.
  const dsq = enumerator(btf, 'SCX_DSQ_LOCAL');
  const line = /\t'SCX_DSQ_LOCAL' val=(-?\d+)/.exec(raw);
  assert.equal(dsq.found, line !== null, 'found exactly when bpftool prints it');
  if (dsq.found && line) assert.equal(`${dsq.value}`, line[1]);

  const runqueues = globalVariable(btf, 'runqueues');
  assert.ok(runqueues.found && runqueues.section === '.data..percpu' && runqueues.type === rq.type.id);
});

test('in every struct and union, members of anonymous members are found by name at the summed offset', { skip }, (t) => {
  const btf = readElfBtf(kernel!.vmlinux);
  if (btf instanceof BtfError) throw btf;
  let checked = 0;
  let outers = 0;
  /** Checks each named member reachable from `outerId` through anonymous members under `id`. */
  const walk = (outerId: number, id: number, base: number, seen: Set<number>): void => {
    const t = btf.resolve(id) as BtfType;
    if ((t.kind !== 'STRUCT' && t.kind !== 'UNION') || seen.has(t.id)) return;
    seen.add(t.id);
    for (const m of t.members) {
      if (m.name !== '') {
        if (base === 0 && id === outerId) continue; // direct members are compared with bpftool above
        const r = memberPath(btf, outerId, m.name);
        assert.ok(!(r instanceof BtfError) && r.found, `${btf.name(outerId)}.${m.name}`);
        assert.equal(r.offsetBits, base + m.bitsOffset, `${btf.name(outerId)}.${m.name}`);
        checked++;
      } else {
        walk(outerId, m.type, base + m.bitsOffset, seen);
      }
    }
  };
  for (const id of btf.ids()) {
    const k = btf.kind(id);
    if (k !== 'STRUCT' && k !== 'UNION') continue;
    const type = btf.type(id) as BtfType & { members: { name: string }[] };
    if (!type.members.some((m) => m.name === '')) continue;
    outers++;
    walk(id, id, 0, new Set());
  }
  t.diagnostic(`${checked} members reached through anonymous members in ${outers} structs and unions`);
  assert.ok(checked > 1000);
});

function memberBytesType(btf: Btf, member: string): number {
  const rq = btf.lookup('rq', 'STRUCT');
  assert.ok(rq.found);
  return (rq.type as BtfComposite).members.find((m) => m.name === member)!.type;
}
