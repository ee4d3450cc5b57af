import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BtfWriter } from '../btf/btf-writer.js';
import { parseBtf } from '../btf/parse.js';
import type { Btf } from '../btf/btf.js';
import { foldClaims } from './cast-map.js';
import type { Claim, ClaimTarget } from './interpret.js';

const w = new BtfWriter();
const u64 = w.int('long long unsigned int', 8);
const node = w.struct('node', 8, [{ name: 'next', type: u64, bitsOffset: 0 }]);
const other = w.struct('other', 8, [{ name: 'x', type: u64, bitsOffset: 0 }]);
const holder = w.struct('', 8, [{ name: 'p', type: u64, bitsOffset: 0 }]);
const btf = parseBtf(w.build()) as Btf;
const claim = (target: ClaimTarget, insn: number): Claim => ({ field: { container: holder, offset: 0 }, target, prog: 'p', insn });

test('an arena claim of unknown pointee agrees with one that knows it; two pointees do not', () => {
  const agree = foldClaims(btf, [claim({ kind: 'arena', type: 0 }, 1), claim({ kind: 'arena', type: node }, 2)]);
  assert.equal(agree.casts.get(`(anon #${holder})+0`)?.target, node, 'anonymous structs are keyed by id');
  assert.equal(agree.casts.get(`(anon #${holder})+0`)?.targetName, 'node');
  const clash = foldClaims(btf, [claim({ kind: 'arena', type: other }, 1), claim({ kind: 'arena', type: node }, 2)]);
  assert.equal(clash.casts.size, 0);
  assert.equal(clash.conflicts.length, 1);
});

test('kernel and arena claims on one field, or any scalar claim, leave it uncast', () => {
  assert.equal(foldClaims(btf, [claim({ kind: 'kernel', type: node }, 1), claim({ kind: 'arena', type: node }, 2)]).casts.size, 0);
  assert.equal(foldClaims(btf, [claim({ kind: 'kernel', type: node }, 1), claim({ kind: 'scalar' }, 2)]).casts.size, 0);
  assert.equal(foldClaims(btf, [claim({ kind: 'scalar' }, 2)]).conflicts.length, 1);
});
