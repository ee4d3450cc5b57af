import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConfigPairing, configArgs, configContent } from './config-pairing.js';
import { declareScheduler } from './declare-scheduler.js';

const withFile = declareScheduler({ name: 'cfg', binary: '/bin/true', configFile: { arg: '--config {file}', guestPath: '/etc/cfg.json' } });
const plain = declareScheduler({ name: 'plain', binary: '/bin/true' });

test('a scheduler with a configFile requires config, and one without rejects it', () => {
  assert.doesNotThrow(() => checkConfigPairing(withFile, { slice_us: 100 }));
  assert.doesNotThrow(() => checkConfigPairing(plain, undefined));
  assert.doesNotThrow(() => checkConfigPairing(undefined, undefined));
  assert.throws(() => checkConfigPairing(withFile, undefined, 'ktstrTest("x")'), /^KtstrError: ktstrTest\("x"\)\.config: is missing: scheduler cfg reads its config from \/etc\/cfg\.json/);
  assert.throws(() => checkConfigPairing(plain, { a: 1 }), /config: is given, but scheduler plain declares no configFile/);
  assert.throws(() => checkConfigPairing(undefined, 'x'), /under EEVDF/);
});

test('{file} is replaced by the guest path, in its own argument or inside one', () => {
  assert.deepEqual(configArgs(withFile.configFile!), ['--config', '/etc/cfg.json']);
  assert.deepEqual(configArgs({ arg: '-v --config={file}', guestPath: '/a' }), ['-v', '--config=/a']);
});

test('content is JSON for values and verbatim for strings', () => {
  assert.equal(configContent({ a: 1 }).toString(), '{\n  "a": 1\n}\n');
  assert.equal(configContent('raw = 1').toString(), 'raw = 1');
  assert.throws(() => configContent(undefined), /not JSON-serialisable/);
});

test('declareScheduler checks the configFile declaration', () => {
  assert.throws(() => declareScheduler({ name: 'x', binary: 'x', configFile: { arg: '--config', guestPath: '/etc/x' } }), /configFile\.arg: must contain \{file\}/);
  assert.throws(() => declareScheduler({ name: 'x', binary: 'x', configFile: { arg: '{file}', guestPath: 'etc/x' } }), /configFile\.guestPath: must be an absolute file path/);
});
