import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFailureDump } from './failure-dump-file.js';

test('a dump file is read; a missing, broken or foreign file is none', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-dump-file-'));
  try {
    const good = join(dir, 'a.failure-dump.json');
    writeFileSync(good, JSON.stringify({ bugSummary: 'boom', consoleTail: [] }));
    assert.equal(loadFailureDump(good)?.bugSummary, 'boom');
    writeFileSync(join(dir, 'b.json'), '{"bugSum');
    assert.equal(loadFailureDump(join(dir, 'b.json')), undefined);
    writeFileSync(join(dir, 'c.json'), '{"name":"x"}');
    assert.equal(loadFailureDump(join(dir, 'c.json')), undefined);
    assert.equal(loadFailureDump(join(dir, 'gone.json')), undefined);
    assert.equal(loadFailureDump(undefined), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
