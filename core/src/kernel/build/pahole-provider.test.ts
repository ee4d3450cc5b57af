import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paholeWrapper, SID_PAHOLE_PACKAGES } from './pahole-provider.js';

test('the wrapper runs sid\'s pahole with the loader and libraries unpacked beside it, then the host\'s', () => {
  const w = paholeWrapper('/cache/kernel-build/pahole/current/root');
  assert.match(w, /^#!\/bin\/sh\n/);
  assert.match(w, /exec \/cache\/kernel-build\/pahole\/current\/root\/usr\/lib\/x86_64-linux-gnu\/ld-linux-x86-64\.so\.2 --library-path \/cache\/kernel-build\/pahole\/current\/root\/usr\/lib\/x86_64-linux-gnu:\/lib\/x86_64-linux-gnu:\/usr\/lib\/x86_64-linux-gnu \/cache\/kernel-build\/pahole\/current\/root\/usr\/bin\/pahole "\$@"\n$/);
});

test('the packages unpacked include the glibc whose loader runs it', () => {
  assert.ok(SID_PAHOLE_PACKAGES.includes('pahole') && SID_PAHOLE_PACKAGES.includes('libc6') && SID_PAHOLE_PACKAGES.includes('libdwarves1'));
});
