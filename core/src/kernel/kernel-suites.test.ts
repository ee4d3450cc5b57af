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

test('a fetch without a version takes sid\'s newest even when a secondary suite has a newer kernel', async () => {
  const { pickKernel } = await import('./kernel-suites.js');
  const k = (version: string, deb: number, suite: string) => ({
    release: `${version}+deb${deb}-cloud-amd64`, version, suite,
    imagePackage: `linux-binary-unsigned-${version}+deb${deb}-cloud-amd64`, basePackage: `linux-base-${version}+deb${deb}-cloud-amd64`,
  });
  const offered = [k('7.3.4', 13, 'trixie-backports'), k('7.2.13', 14, 'sid'), k('7.2.12', 14, 'forky')];
  assert.equal(pickKernel(offered)?.version, '7.2.13', 'the default is the primary suite\'s newest');
  assert.equal(pickKernel(offered, '7.3')?.suite, 'trixie-backports', 'a version sid lacks is found in backports');
  assert.equal(pickKernel(offered, '7.2')?.version, '7.2.13', 'a version prefix takes the newest match of any suite');
  assert.equal(pickKernel(offered, undefined, 'trixie-backports')?.version, '7.3.4');
  assert.equal(pickKernel(offered, '7.2', 'trixie-backports'), undefined, 'a suite narrows the search');
  assert.equal(pickKernel(offered, '7.2.13+deb14-cloud-amd64')?.suite, 'sid');
});
