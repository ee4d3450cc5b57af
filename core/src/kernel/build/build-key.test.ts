import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildKey, builtEntryName, configHash } from './build-key.js';

const config = '#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86 7.2.13 Kernel Configuration\n#\nCONFIG_CC_VERSION_TEXT="gcc 12"\nCONFIG_A=y\n# CONFIG_B is not set\n';

test('the config hash ignores comments and order, not settings', () => {
  const reordered = '# CONFIG_B is not set\n# another header\nCONFIG_A=y\nCONFIG_CC_VERSION_TEXT="gcc 12"\n';
  assert.equal(configHash(config), configHash(reordered));
  assert.notEqual(configHash(config), configHash(config.replace('CONFIG_A=y', 'CONFIG_A=m')));
  assert.notEqual(configHash(config), configHash(config.replace('# CONFIG_B is not set', 'CONFIG_B=y')));
  assert.match(configHash(config), /^[0-9a-f]{16}$/);
});

test('the key changes with the source and with the config, and names the entry', () => {
  const h = configHash(config);
  const a = buildKey('debian:linux-source-7.2=7.2.13-1', h);
  assert.equal(a, buildKey('debian:linux-source-7.2=7.2.13-1', h));
  assert.notEqual(a, buildKey('debian:linux-source-7.2=7.2.14-1', h));
  assert.notEqual(a, buildKey('debian:linux-source-7.2=7.2.13-1', configHash(`${config}CONFIG_C=y\n`)));
  assert.match(a, /^[0-9a-f]{12}$/);
  assert.equal(builtEntryName('7.2.13', a), `7.2.13-build-${a}`);
});
