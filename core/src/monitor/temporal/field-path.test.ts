import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePath, resolvePath, toColumnValue } from './field-path.js';

test('paths take keys with dots and indices as .N or [N]', () => {
  assert.deepEqual(parsePath('events.SCX_EV_SELECT_CPU_FALLBACK'), ['events', 'SCX_EV_SELECT_CPU_FALLBACK']);
  assert.deepEqual(parsePath('cpus.2.nrRunning'), ['cpus', 2, 'nrRunning']);
  assert.deepEqual(parsePath('cpus[2].scx.nr'), ['cpus', 2, 'scx', 'nr']);
  assert.deepEqual(parsePath('m[1][0]'), ['m', 1, 0]);
});

test('a path that cannot be read is refused with the segment', () => {
  assert.throws(() => parsePath(''), /field path is empty/);
  assert.throws(() => parsePath('a..b'), /cannot read segment ""/);
  assert.throws(() => parsePath('a[x]'), /cannot read segment "a\[x\]"/);
});

const data = { cpus: [{ nrRunning: 2, scx: null }, { nrRunning: 0, scx: { nr: 5 } }], events: { a: 1, b: undefined }, maps: null };

test('resolve walks records and arrays', () => {
  assert.deepEqual(resolvePath(data, parsePath('cpus[1].scx.nr'), 'p'), { value: 5 });
  assert.deepEqual(resolvePath(data, parsePath('cpus.0.nrRunning'), 'p'), { value: 2 });
});

test('a null on the way is MissingStats (recorded unread), an absent key FieldNotFound (never 0)', () => {
  assert.deepEqual(resolvePath(data, parsePath('maps.q.x'), 'maps.q.x'), { kind: 'MissingStats', path: 'maps.q.x', at: 'maps' });
  assert.deepEqual(resolvePath(data, parsePath('cpus[0].scx.nr'), 'p'), { kind: 'MissingStats', path: 'p', at: 'cpus[0].scx' });
  assert.deepEqual(resolvePath(data, parsePath('maps'), 'maps'), { kind: 'MissingStats', path: 'maps', at: 'maps' });
  const nf = resolvePath(data, parsePath('events.zz'), 'events.zz');
  assert.deepEqual(nf, { kind: 'FieldNotFound', path: 'events.zz', at: 'events', detail: 'events has no key zz (keys: a, b)' });
  assert.match((resolvePath(data, parsePath('cpus.7.nrRunning'), 'p') as { detail: string }).detail, /cpus has 2 entries, no \[7\]/);
  assert.match((resolvePath(data, parsePath('events[0]'), 'p') as { detail: string }).detail, /events is a record, not an array/);
  assert.match((resolvePath(data, parsePath('cpus.x'), 'p') as { detail: string }).detail, /cpus is an array \(2 entries\), not a record with key x/);
  assert.match((resolvePath(data, parsePath('events.a.b'), 'p') as { detail: string }).detail, /events\.a is a number, not a record/);
  assert.equal((resolvePath(data, parsePath('events.b'), 'p') as { kind: string }).kind, 'FieldNotFound');
});

test('many keys are listed with a count', () => {
  const wide = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, i]));
  assert.match((resolvePath({ wide }, parsePath('wide.q'), 'p') as { detail: string }).detail, /keys: k0, k1, k2, k3, k4, k5, k6, k7, \.\.\. \(12 keys\)/);
});

test('only finite numbers, booleans and exact bigints are column values', () => {
  assert.deepEqual(toColumnValue(3.5, 'p'), { value: 3.5 });
  assert.deepEqual(toColumnValue(false, 'p'), { value: false });
  assert.deepEqual(toColumnValue(12n, 'p'), { value: 12 });
  assert.deepEqual(toColumnValue(NaN, 'p'), { kind: 'TypeMismatch', path: 'p', expected: 'number or boolean', found: 'the non-finite number NaN' });
  assert.match((toColumnValue(Infinity, 'p') as { found: string }).found, /Infinity/);
  assert.match((toColumnValue(2n ** 60n, 'p') as { found: string }).found, /beyond exact numbers/);
  assert.match((toColumnValue('12', 'p') as { found: string }).found, /the string "12"/);
  assert.match((toColumnValue({}, 'p') as { found: string }).found, /a record/);
});
