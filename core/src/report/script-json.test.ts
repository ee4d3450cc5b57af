import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scriptCode, scriptJson, styleText } from './script-json.js';

test('JSON in a script element: no tag can start inside, and it parses back to the same value', () => {
  const value = { reason: 'expected </script><script>alert(1)</script> and <!-- a comment', sep: 'a\u2028b\u2029c' };
  const text = scriptJson(value);
  assert.ok(!text.includes('<'), text);
  assert.ok(!/\u2028|\u2029/.test(text));
  assert.deepEqual(JSON.parse(text), value);
});

test('code in a script element: </ is escaped so the element cannot end early, and the code still means the same', () => {
  const js = 'globalThis.out = ["</script>", /<\\/b>/.test("</b>"), "</" + "div>"];';
  const text = scriptCode(js);
  assert.ok(!/<\/script/i.test(text));
  const sandbox: { out?: unknown } = {};
  new Function('globalThis', text)(sandbox);
  assert.deepEqual(sandbox.out, ['</script>', true, '</div>']);
  assert.throws(() => scriptCode('x = "<!--"'), /<!--/);
});

test('CSS in a style element cannot close it', () => {
  assert.ok(!/<\/style/i.test(styleText('a::after { content: "</STYLE><b>" }')));
});
