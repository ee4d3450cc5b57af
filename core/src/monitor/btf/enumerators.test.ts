import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BtfError } from './btf-error.js';
import { BtfWriter } from './btf-writer.js';
import { enumerator } from './enumerators.js';
import { kernelLikeBtf } from './fixture.js';
import { parseBtf } from './parse.js';

const { bytes, ids } = kernelLikeBtf();
const btf = parseBtf(bytes);
if (btf instanceof BtfError) throw btf;

test('enumerators by name, signed, unsigned and 64-bit', () => {
  assert.deepEqual(enumerator(btf, 'CPU_BUSY'), { found: true, name: 'CPU_BUSY', value: 1, type: ids.mode });
  assert.deepEqual(enumerator(btf, 'CPU_NEG'), { found: true, name: 'CPU_NEG', value: -1, type: ids.mode });
  assert.deepEqual(enumerator(btf, 'BIG_HIGH'), { found: true, name: 'BIG_HIGH', value: 1n << 40n, type: ids.big });
  assert.deepEqual(enumerator(btf, 'rq'), { found: false, why: 'no enumerator rq in any enum of the BTF' }, 'a type name is not an enumerator');
  assert.equal(enumerator(btf, 'NOPE').found, false);
});

test('a split BTF sees the base\'s enumerators and its own', () => {
  const w = new BtfWriter(btf);
  const own = w.enum('task_state', 4, [['TASK_QUEUED', 3]]);
  const split = parseBtf(w.build(), { base: btf });
  assert.ok(!(split instanceof BtfError));
  assert.deepEqual(enumerator(split, 'TASK_QUEUED'), { found: true, name: 'TASK_QUEUED', value: 3, type: own });
  assert.equal(enumerator(split, 'CPU_IDLE').found, true);
});
