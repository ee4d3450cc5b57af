import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { aptPackages, missingAptPackages } from './apt.js';

test('the user list is the repository list without the repository\'s own test tools', () => {
  const user = aptPackages('user').map((p) => p.name);
  const all = aptPackages('repository').map((p) => p.name);
  assert.ok(user.includes('qemu-system-x86') && user.includes('cmake'));
  assert.ok(!user.includes('chromium') && all.includes('chromium'));
  assert.ok(user.every((n) => all.includes(n)));
  assert.ok(aptPackages('repository').every((p) => p.why.length > 0), 'every package says why');
});

test('missingAptPackages asks dpkg: dpkg itself is installed, a made-up name is not', { skip: !existsSync('/usr/bin/dpkg-query') && 'not Debian' }, () => {
  assert.deepEqual(missingAptPackages(['dpkg', 'ktstr-no-such-package']), ['ktstr-no-such-package']);
});
