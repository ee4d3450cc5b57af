import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKernelSuite, parseMadison } from './kernel-suites.js';

test('apt-cache madison lines give each package its suites', () => {
  const text = [
    'linux-binary-unsigned-7.3.4+deb13-cloud-amd64 | 7.3.4-1~bpo13+1 | http://deb.debian.org/debian trixie-backports/main amd64 Packages',
    'linux-binary-unsigned-7.2.13+deb14-cloud-amd64 |   7.2.13-1 | http://deb.debian.org/debian sid/main amd64 Packages',
    'linux-binary-unsigned-7.2.13+deb14-cloud-amd64 |   7.2.13-1 | https://mirror.example/debian unstable/main amd64 Packages',
    '',
  ].join('\n');
  const m = parseMadison(text);
  assert.deepEqual(m.get('linux-binary-unsigned-7.3.4+deb13-cloud-amd64'), ['trixie-backports']);
  assert.deepEqual(m.get('linux-binary-unsigned-7.2.13+deb14-cloud-amd64'), ['sid', 'unstable']);
});

test('only the suites ktstr takes kernels from are accepted', () => {
  assert.ok(isKernelSuite('sid'));
  assert.ok(isKernelSuite('trixie-backports'));
  assert.ok(!isKernelSuite('trixie'));
});
