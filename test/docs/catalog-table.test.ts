// docs/scenarios.md's catalog table is the catalog: it must equal `ktstr scenarios --markdown`
// (catalogMarkdown), so a scenario added, renamed or re-described shows up here first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogMarkdown } from '@ktstr/core';

const doc = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'scenarios.md');

test('the catalog table of docs/scenarios.md is what `ktstr scenarios --markdown` prints', () => {
  const text = readFileSync(doc, 'utf8');
  const start = text.indexOf('| scenario | what it does | requires |');
  assert.ok(start >= 0, 'docs/scenarios.md has the catalog table');
  const table = text.slice(start).split('\n');
  const rows = table.slice(0, table.findIndex((l) => !l.startsWith('|')));
  assert.deepEqual(rows, catalogMarkdown().trimEnd().split('\n'));
});
