import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventsFile, parseEventLine } from './cell-events.js';

const start = (name: string) => JSON.stringify({ event: 'start', name, at: '2026-12-01T14:50:00.000Z', pid: 7 });
const end = (name: string, over: Record<string, unknown> = {}) => JSON.stringify({
  event: 'end', name, test: 't', preset: 'tiny-2llc', kernel: '7.2', scheduler: 'eevdf', topology: '1n2l2c1t',
  status: 'passed', durationMs: 900, finishedAt: '2026-12-01T14:50:01.000Z', ...over,
});

test('event lines: a start, an end with its record, and nothing for logs or junk', () => {
  assert.deepEqual(parseEventLine(start('t/a/7.2')), { kind: 'start', name: 't/a/7.2' });
  const e = parseEventLine(end('t/a/7.2', { status: 'failed', reason: 'stall', detail: ['x'], timing: { bootMs: 1, bootedHow: 'cold', scenarioMs: 2, totalMs: 3 } }));
  assert.equal(e?.kind, 'end');
  if (e?.kind !== 'end') return;
  assert.equal(e.outcome.status, 'failed');
  assert.equal(e.outcome.error, 'stall');
  assert.deepEqual(e.outcome.detail, ['x']);
  assert.equal(e.outcome.timing?.bootedHow, 'cold');
  assert.equal(parseEventLine(JSON.stringify({ event: 'log', message: 'waiting for CPUs', pid: 7 })), undefined);
  assert.equal(parseEventLine('{"event":"end"'), undefined);
  assert.equal(parseEventLine(JSON.stringify({ event: 'end', status: 'passed' })), undefined, 'an end without a name');
});

test('the file is read as it grows, whole lines only, and may not exist yet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-events-test-'));
  try {
    const f = new EventsFile(join(dir, 'events.jsonl'));
    assert.deepEqual(f.read(), [], 'no file yet');
    writeFileSync(f.path, '');
    assert.deepEqual(f.read(), []);
    appendFileSync(f.path, `${start('t/a/7.2')}\n`);
    assert.deepEqual(f.read(), [{ kind: 'start', name: 't/a/7.2' }]);
    assert.deepEqual(f.read(), [], 'each line once');
    // An end being written: half a line now (cut inside the multi-byte "µ"), the rest later.
    const line = `${end('t/a/7.2', { output: 'p99 180 µs' })}\n`;
    const bytes = Buffer.from(line);
    const cut = bytes.indexOf(Buffer.from('µ')) + 1;
    appendFileSync(f.path, bytes.subarray(0, cut));
    assert.deepEqual(f.read(), []);
    appendFileSync(f.path, Buffer.concat([bytes.subarray(cut), Buffer.from(`${start('t/b/7.2')}\n`)]));
    const got = f.read();
    assert.equal(got.length, 2);
    assert.equal(got[0]?.kind === 'end' && got[0].outcome.output, 'p99 180 µs');
    assert.deepEqual(got[1], { kind: 'start', name: 't/b/7.2' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file emptied under the reader (the CLI starting over) is read from its start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-events-test-'));
  try {
    const f = new EventsFile(join(dir, 'events.jsonl'));
    writeFileSync(f.path, `${start('t/a/7.2')}\n${start('t/b/7.2')}\n`);
    assert.equal(f.read().length, 2);
    writeFileSync(f.path, `${start('t/c/7.2')}\n`);
    assert.deepEqual(f.read(), [{ kind: 'start', name: 't/c/7.2' }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
