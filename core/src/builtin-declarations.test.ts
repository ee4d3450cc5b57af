import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import * as core from './index.js';
import { BUILTIN_SCHEDULERS } from './builtin-declarations.js';

test('every built-in scheduler in the manifest matches the declaration core exports at run time', () => {
  const names = Object.keys(BUILTIN_SCHEDULERS);
  assert.ok(names.length > 0);
  for (const exported of names) {
    const runtime = (core as Record<string, unknown>)[exported] as core.SchedulerDecl | undefined;
    assert.equal(runtime?.kind, 'scheduler', `@ktstr/core exports no scheduler ${exported}`);
    const m = BUILTIN_SCHEDULERS[exported]!;
    assert.equal(m.name, runtime!.name, `${exported}.name`);
    assert.equal(m.binaryFile, basename(runtime!.binary), `${exported}.binary`);
    assert.deepEqual(m.topology, runtime!.topology, `${exported}.topology`);
    assert.deepEqual([...m.schedArgs], [...runtime!.schedArgs], `${exported}.schedArgs`);
    assert.equal(m.attachTimeoutMs, runtime!.attachTimeoutMs, `${exported}.attachTimeoutMs`);
    assert.equal(m.hasConfigFile, runtime!.configFile !== undefined, `${exported}.configFile`);
  }
});

test('every scheduler core exports is in the manifest, so none is invisible to the editor', () => {
  const exportedSchedulers = Object.entries(core)
    .filter(([, v]) => typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'scheduler')
    .map(([k]) => k);
  assert.deepEqual(exportedSchedulers.sort(), Object.keys(BUILTIN_SCHEDULERS).sort());
});
