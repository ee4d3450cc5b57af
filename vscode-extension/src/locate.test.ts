import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCli, findServer } from './locate.js';

/** A project laid out as `npm install --save-dev ktstr @ktstr/language-server` leaves it. */
function project(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-locate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'node_modules', '@ktstr', 'language-server', 'dist'), { recursive: true });
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  mkdirSync(join(dir, 'tests', 'ktstr'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', '@ktstr', 'language-server', 'dist', 'server.js'), '');
  writeFileSync(join(dir, 'node_modules', '.bin', 'ktstr'), '');
  return dir;
}

test('the server and CLI come from the workspace folder\'s node_modules, or an ancestor\'s', (t) => {
  const dir = project(t);
  for (const folder of [dir, join(dir, 'tests', 'ktstr')]) {
    assert.equal(findServer(undefined, [folder]), join(dir, 'node_modules', '@ktstr', 'language-server', 'dist', 'server.js'));
    assert.equal(findCli(undefined, [folder]), join(dir, 'node_modules', '.bin', 'ktstr'));
  }
});

test('settings win; nothing installed means no server and the CLI from PATH', (t) => {
  const dir = project(t);
  const bare = mkdtempSync(join(tmpdir(), 'ktstr-locate-bare-'));
  t.after(() => rmSync(bare, { recursive: true, force: true }));
  assert.equal(findCli('/opt/ktstr', [dir]), '/opt/ktstr');
  assert.equal(findServer('/nonexistent/server.js', [dir]), undefined, 'a setting that points nowhere is not silently replaced');
  assert.equal(findServer(undefined, [bare]), undefined);
  assert.equal(findCli(undefined, [bare]), 'ktstr');
});
