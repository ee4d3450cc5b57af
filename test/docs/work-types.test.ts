// docs/work-types.md's tables are the code's. The type table names each type's builder and its
// parameters' defaults as core/src/scenario/work.ts does. In the table of parameter ranges, the
// host column is what the `work.*` builders accept (core/src/scenario/work.ts) and the guest
// column what the agent's parser accepts (native/guest/work_types.c). And no host range reaches
// past the guest's, or a scenario that passed validation would be refused inside the VM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORK_TYPE_INFO } from '@ktstr/core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** wire name -> [min, max] from the guest parser's table. */
function guestRanges(): Map<string, [number, number]> {
  const c = readFileSync(join(root, 'native', 'guest', 'work_types.c'), 'utf8');
  const consts = new Map([...c.matchAll(/#define (MAX_\w+) (\d+)LL/g)].map((m) => [m[1]!, Number(m[2])]));
  const value = (v: string) => consts.get(v) ?? Number(v);
  const out = new Map<string, [number, number]>();
  for (const m of c.matchAll(/\{ "(\w+)", (\w+), (\w+) \}/g)) out.set(m[1]!, [value(m[2]!), value(m[3]!)]);
  return out;
}

/** wire name -> "min to max", or per builder when the types that take it differ. */
function hostColumn(): Map<string, string> {
  const by = new Map<string, Map<string, string[]>>();
  for (const t of WORK_TYPE_INFO) {
    for (const p of t.params) {
      const ranges = by.get(p.wire) ?? new Map<string, string[]>();
      by.set(p.wire, ranges);
      const k = `${p.min} to ${p.max}`;
      ranges.set(k, [...(ranges.get(k) ?? []), t.builder]);
    }
  }
  return new Map([...by].map(([wire, ranges]) => [wire, ranges.size === 1 ? [...ranges.keys()][0]!
    : [...ranges].map(([k, builders]) => `${k} (${builders.map((b) => `\`${b}\``).join(', ')})`).join('; ')]));
}

function docRows(): Map<string, [string, string]> {
  const text = readFileSync(join(root, 'docs', 'work-types.md'), 'utf8');
  const section = text.slice(text.indexOf('## Parameter ranges'));
  const rows = section.split('\n').filter((l) => /^\| `\w+` \|/.test(l)).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
  return new Map(rows.map((r) => [r[0]!.replaceAll('`', ''), [r[1]!, r[2]!]]));
}

test('the parameter table of docs/work-types.md gives the host and guest ranges of the code', () => {
  const guest = guestRanges();
  const host = hostColumn();
  const expected = new Map([...guest].filter(([w]) => host.has(w)).map(([w, [min, max]]) => [w, [host.get(w)!, `${min} to ${max}`]]));
  assert.equal(expected.size, host.size, 'every parameter of a work type has a range in the guest parser');
  assert.deepEqual(docRows(), expected);
});

test('no builder accepts a value the guest parser refuses', () => {
  const guest = guestRanges();
  for (const t of WORK_TYPE_INFO) {
    for (const p of t.params) {
      const [min, max] = guest.get(p.wire)!;
      assert.ok(p.min >= min && p.max <= max, `${t.builder}.${p.wire}: ${p.min}..${p.max} is not within the guest's ${min}..${max}`);
    }
  }
});

test('the work type table of docs/work-types.md names each type, its builder and its defaults as the code does', () => {
  const text = readFileSync(join(root, 'docs', 'work-types.md'), 'utf8');
  const rows = text.split('\n').filter((l) => /^\| `\w+` \(`\w+`\) \|/.test(l)).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
  const doc = rows.map((r) => {
    const [, type, builder] = /^`(\w+)` \(`(\w+)`\)$/.exec(r[0]!)!;
    const params = [...r[2]!.matchAll(/`(\w+)` \[(-?\d+)\]/g)].map((m) => `${m[1]}=${m[2]}`);
    return { type, builder, params };
  });
  const code = WORK_TYPE_INFO.map((t) => ({ type: t.type, builder: t.builder, params: t.params.map((p) => `${p.wire}=${p.default}`) }));
  assert.deepEqual(doc, code);
});
