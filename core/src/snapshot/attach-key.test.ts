import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachSnapshotKey, type AttachKeyInput } from './attach-key.js';

const base: AttachKeyInput = {
  postBootKey: 'b'.repeat(32),
  launch: { guestPath: '/bin/scx-ktstr', args: ['-v'] },
  payload: [
    { kind: 'file', guestPath: '/bin/scx-ktstr', mode: 0o755, content: Buffer.from('ELF one') },
    { kind: 'symlink', guestPath: '/lib/libz.so.1', target: 'libz.so.1.2.13' },
  ],
  config: { guestPath: '/etc/sched.json', content: Buffer.from('{"a":1}\n') },
};

test('the post-attach key is stable for the same launch', () => {
  assert.equal(attachSnapshotKey(base), attachSnapshotKey(structuredClone(base)));
  assert.match(attachSnapshotKey(base), /^[0-9a-f]{32}$/);
});

test('everything that shapes the attached scheduler changes the key', () => {
  const k = attachSnapshotKey(base);
  const variants: AttachKeyInput[] = [
    { ...base, postBootKey: 'c'.repeat(32) },
    { ...base, launch: { ...base.launch, args: ['-v', '--error-after', '200'] } },
    { ...base, launch: { ...base.launch, args: [] } },
    { ...base, launch: { ...base.launch, guestPath: '/bin/other' } },
    { ...base, payload: [{ kind: 'file', guestPath: '/bin/scx-ktstr', mode: 0o755, content: Buffer.from('ELF two') }, base.payload[1]!] },
    { ...base, payload: [{ kind: 'file', guestPath: '/bin/scx-ktstr', mode: 0o700, content: Buffer.from('ELF one') }, base.payload[1]!] },
    { ...base, payload: [base.payload[0]!, { kind: 'symlink', guestPath: '/lib/libz.so.1', target: 'libz.so.1.3' }] },
    { ...base, payload: [...base.payload, { kind: 'file', guestPath: '/etc/injected', mode: 0o644, content: Buffer.from('x') }] },
    { ...base, config: { guestPath: '/etc/sched.json', content: Buffer.from('{"a":2}\n') } },
    { ...base, config: undefined },
  ];
  const keys = variants.map(attachSnapshotKey);
  for (const [i, v] of keys.entries()) assert.notEqual(v, k, `variant ${i}`);
  assert.equal(new Set(keys).size, keys.length);
});

test('argument boundaries count: ["a b"] is not ["a", "b"]', () => {
  assert.notEqual(
    attachSnapshotKey({ ...base, launch: { ...base.launch, args: ['a b'] } }),
    attachSnapshotKey({ ...base, launch: { ...base.launch, args: ['a', 'b'] } }),
  );
});
