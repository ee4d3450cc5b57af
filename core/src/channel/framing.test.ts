import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, FrameDecoder, FrameKind } from './framing.js';

test('frames survive being split at every byte boundary', () => {
  const a = encodeFrame(FrameKind.json, '{"type":"hello"}');
  const b = encodeFrame(FrameKind.go);
  const c = encodeFrame(FrameKind.json, '{"type":"done","ok":true}');
  const stream = Buffer.concat([a, b, c]);
  for (let cut = 0; cut <= stream.length; cut++) {
    const d = new FrameDecoder();
    const frames = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
    assert.equal(frames.length, 3, `cut at ${cut}`);
    assert.equal(frames[0]!.payload.toString(), '{"type":"hello"}');
    assert.equal(frames[1]!.kind, FrameKind.go);
    assert.equal(frames[1]!.payload.length, 0);
    assert.equal(frames[2]!.payload.toString(), '{"type":"done","ok":true}');
    assert.equal(d.bufferedBytes, 0);
  }
});

test('a header announcing an absurd length is reported as a desynchronised stream', () => {
  const d = new FrameDecoder();
  const bad = Buffer.from([0xff, 0xff, 0xff, 0x7f, 0x4a]);
  assert.throws(() => d.push(bad), /frame.length: exceeds/);
});

test('a partial frame stays buffered', () => {
  const d = new FrameDecoder();
  const f = encodeFrame(FrameKind.json, '{"x":1}');
  assert.deepEqual(d.push(f.subarray(0, 7)), []);
  assert.equal(d.bufferedBytes, 7);
});

test('file and symlink payloads carry the path length first', async () => {
  const { encodePutFile, encodeSymlink, encodeClock } = await import('./framing.js');
  const f = encodePutFile('/bin/x', 0o755, Buffer.from('ELF'));
  assert.equal(f.readUInt32LE(0), 6);
  assert.equal(f.subarray(4, 10).toString(), '/bin/x');
  assert.equal(f.readUInt32LE(10), 0o755);
  assert.equal(f.subarray(14).toString(), 'ELF');
  const l = encodeSymlink('/lib', 'usr/lib');
  assert.equal(l.readUInt32LE(0), 4);
  assert.equal(l.subarray(8).toString(), 'usr/lib');
  assert.equal(encodeClock(1500).readBigUInt64LE(0), 1_500_000_000n);
});
