import { test } from 'node:test';
import assert from 'node:assert/strict';
import { doctor, runSetup } from './run.js';
import type { ItemStatus, SetupItem } from './item.js';

/** An item whose state is a variable: install flips it, as a real build makes its file exist. */
function item(id: string, opts: { present?: boolean; needsRoot?: boolean; installFails?: boolean; optional?: boolean; noInstall?: boolean; system?: boolean } = {}) {
  let present = opts.present ?? false;
  const installs: string[] = [];
  const it: SetupItem = {
    id, title: id, why: `${id} is needed`, optional: opts.optional, system: opts.system ?? opts.needsRoot,
    check(): ItemStatus {
      return present ? { ok: true, detail: `${id} here` } : { ok: false, detail: `${id} absent`, action: `make ${id}`, needsRoot: opts.needsRoot, remedy: opts.noInstall ? `get ${id} yourself` : undefined };
    },
    ...(opts.noInstall ? {} : {
      async install() {
        installs.push(id);
        if (opts.installFails) throw new Error(`${id} broke`);
        present = true;
      },
    }),
  };
  return { it, installs };
}

test('doctor: ready only when every required item is ok; optional and informational items never block', () => {
  const a = item('a', { present: true });
  const b = item('b');
  const c = item('c', { optional: true });
  const r = doctor({ items: [a.it, b.it, c.it, { id: 'i', title: 'i', why: 'info', informational: true, check: () => ({ ok: true, detail: 'kvm' }) }] });
  assert.equal(r.ready, false);
  assert.deepEqual(r.missing, ['b']);
  assert.equal(r.items.find((i) => i.id === 'b')?.action, 'make b');
  assert.equal(doctor({ items: [a.it, c.it] }).ready, true);
  assert.deepEqual([...b.installs, ...c.installs], [], 'doctor changes nothing');
});

test('setup installs what is missing, says "up to date" for the rest, and a second run installs nothing', async () => {
  const a = item('a', { present: true });
  const b = item('b');
  const lines: string[] = [];
  const first = await runSetup({ log: (l) => lines.push(l), items: [a.it, b.it], sudoUser: undefined });
  assert.equal(first.ok, true);
  assert.deepEqual(first.outcomes.map((o) => o.result), ['up to date', 'installed']);
  assert.match(lines.join('\n'), /\[1\/2\] a: up to date \(a here\)/);
  assert.match(lines.join('\n'), /\[2\/2\] b: installed in [\d.]+ s \(b here\)/);
  const second = await runSetup({ log: () => {}, items: [a.it, b.it], sudoUser: undefined });
  assert.deepEqual(second.outcomes.map((o) => o.result), ['up to date', 'up to date']);
  assert.deepEqual(b.installs, ['b']);
});

test('setup stops at the first failure and skips what builds on it, naming the error', async () => {
  const a = item('a', { installFails: true });
  const b = item('b');
  const lines: string[] = [];
  const r = await runSetup({ log: (l) => lines.push(l), items: [a.it, b.it], sudoUser: undefined });
  assert.equal(r.ok, false);
  assert.deepEqual(r.outcomes.map((o) => o.result), ['failed', 'skipped']);
  assert.match(lines.join('\n'), /a: failed: a broke/);
  assert.deepEqual(b.installs, []);
});

test('an item setup cannot install says what the user must do', async () => {
  const a = item('a', { noInstall: true });
  const lines: string[] = [];
  const r = await runSetup({ log: (l) => lines.push(l), items: [a.it], sudoUser: undefined });
  assert.equal(r.ok, false);
  assert.match(lines.join('\n'), /a absent\. get a yourself/);
});

test('an item that needs root is refused clearly when not root, with the command to run', { skip: process.getuid?.() === 0 && 'runs as root' }, async () => {
  const a = item('a', { needsRoot: true });
  const lines: string[] = [];
  const r = await runSetup({ log: (l) => lines.push(l), items: [a.it], sudoUser: undefined });
  assert.equal(r.ok, false);
  assert.match(lines.join('\n'), /This needs root: run `sudo npx ktstr setup` \(under sudo it does only what needs root, here: make a\), then `npx ktstr setup` again/);
  assert.deepEqual(a.installs, []);
});

test('under sudo, setup does only the system items and leaves the rest to the user\'s own run', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const sys = item('packages', { system: true, needsRoot: true });
  const mine = item('addon');
  const lines: string[] = [];
  const r = await runSetup({ log: (l) => lines.push(l), items: [sys.it, mine.it], sudoUser: 'alice' });
  assert.equal(r.ok, true);
  assert.deepEqual(r.outcomes.map((o) => o.result), ['installed', 'skipped']);
  assert.deepEqual(mine.installs, []);
  assert.match(lines.join('\n'), /now run `npx ktstr setup` as alice, without sudo/);
});
