import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoByIdentity, whichSync } from './identity-memo.js';

test('a value computed from a file is remembered on disk until the file changes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-memo-'));
  const before = process.env.KTSTR_CACHE_DIR;
  process.env.KTSTR_CACHE_DIR = dir;
  try {
    const f = join(dir, 'input');
    writeFileSync(f, 'one');
    let calls = 0;
    const compute = () => `computed ${++calls}`;
    assert.equal(memoByIdentity('t', [f], compute), 'computed 1');
    assert.equal(memoByIdentity('t', [f], compute), 'computed 1');
    assert.equal(memoByIdentity('other-kind', [f], compute), 'computed 2', 'kinds do not share values');
    writeFileSync(f, 'two'); // ctime (and size) change
    assert.equal(memoByIdentity('t', [f], compute), 'computed 3');
  } finally {
    if (before === undefined) delete process.env.KTSTR_CACHE_DIR;
    else process.env.KTSTR_CACHE_DIR = before;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('whichSync finds a program on PATH and leaves a path as it is', () => {
  assert.match(whichSync('sh') ?? '', /\/sh$/);
  assert.equal(whichSync('/no/such/x'), '/no/such/x');
  assert.equal(whichSync('no-such-program-ktstr'), undefined);
});
