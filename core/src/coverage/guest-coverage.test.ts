import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COVERAGE_DIR_ENV, saveCollectedFiles, withCoverageDirectives } from './guest-coverage.js';

function underCoverage<T>(dir: string | undefined, f: () => T): T {
  const before = process.env[COVERAGE_DIR_ENV];
  if (dir === undefined) delete process.env[COVERAGE_DIR_ENV];
  else process.env[COVERAGE_DIR_ENV] = dir;
  try {
    return f();
  } finally {
    if (before === undefined) delete process.env[COVERAGE_DIR_ENV];
    else process.env[COVERAGE_DIR_ENV] = before;
  }
}

test('a coverage run adds the gcov environment and collect after the version line', () => {
  const cell = 'ktstr-cell 2\nscheduler /bin/scx-ktstr-cov\nstep s\nhold_ms 1\nend\n';
  const out = underCoverage('/tmp/x', () => withCoverageDirectives(cell, true));
  assert.equal(out, 'ktstr-cell 2\nsched_env GCOV_PREFIX=/ktstr/coverage\nsched_env GCOV_PREFIX_STRIP=0\ncollect /ktstr/coverage\n'
    + 'scheduler /bin/scx-ktstr-cov\nstep s\nhold_ms 1\nend\n');
  assert.equal(underCoverage('/tmp/x', () => withCoverageDirectives('ktstr-cell 2\nstep s\nhold_ms 1\nend\n', false)),
    'ktstr-cell 2\ncollect /ktstr/coverage\nstep s\nhold_ms 1\nend\n', 'no sched_env without a scheduler');
  assert.equal(underCoverage(undefined, () => withCoverageDirectives(cell, true)), cell, 'unchanged outside a coverage run');
});

test('collected files are saved at their path below the collect dir; others are ignored', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-cov-test-'));
  try {
    const data = Buffer.from([0, 1, 2, 250, 255]);
    const n = underCoverage(dir, () => saveCollectedFiles('t/tiny-1llc/7.2', [
      { type: 'file', t_ms: 1, path: '/ktstr/coverage/work/out/x.gcda', size: 5, data_b64: data.toString('base64') },
      { type: 'file', t_ms: 2, path: '/etc/passwd', size: 1, data_b64: 'eA==' },
      { type: 'done', t_ms: 3, ok: true },
    ]));
    assert.equal(n, 2);
    const [cellDir] = readdirSync(join(dir, 'guest'));
    assert.match(cellDir!, /^t_tiny-1llc_7\.2-\d+-\d+$/);
    assert.deepEqual(readFileSync(join(dir, 'guest', cellDir!, 'work/out/x.gcda')), data);
    assert.deepEqual(readdirSync(join(dir, 'guest', cellDir!)), ['work']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
