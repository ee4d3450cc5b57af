/**
 * A real BPF program's BTF: the fixture scheduler's object file (native/scripts/build-scheduler.sh)
 * holds clang's BTF for it, standalone rather than split. Every type must print as bpftool prints
 * it, and its globals must be found by name. Skipped, with the reason printed, when the object or
 * the toolchain's bpftool is not built here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { bpftoolBlocks, cachedBpftool, formatRaw } from './bpftool-raw.js';
import { BtfError } from './btf-error.js';
import { readElfBtf } from './load.js';
import { globalVariable, sectionVariables } from './variables.js';

const outDir = process.env.KTSTR_NATIVE_OUT ?? fileURLToPath(new URL('../../../../native/out', import.meta.url));
const object = join(outDir, 'scheduler-obj', 'scx_ktstr.bpf.o');
const bpftool = cachedBpftool(undefined);
const skip = !existsSync(object) ? `${object} is not built (npm run bootstrap)` : bpftool === undefined ? 'no toolchain bpftool is cached' : false;
if (skip) console.log(`skipping the BPF object BTF check: ${skip}`);

test('the fixture scheduler\'s BTF matches bpftool\'s raw dump, type for type', { skip }, (t) => {
  const btf = readElfBtf(object);
  if (btf instanceof BtfError) throw btf;
  const expected = bpftoolBlocks(bpftool!, object);
  assert.equal(btf.typeCount - 1, expected.size);
  for (const id of btf.ids()) {
    const type = btf.type(id);
    if (type instanceof BtfError) throw type;
    assert.equal(formatRaw(btf, type), expected.get(id), `type ${id}`);
  }
  t.diagnostic(`${expected.size} types identical`);
});

test('the fixture scheduler\'s globals are found by name in their sections', { skip }, () => {
  const btf = readElfBtf(object);
  if (btf instanceof BtfError) throw btf;
  const bss = sectionVariables(btf, '.bss');
  assert.ok(bss.length > 0, 'the scheduler has .bss counters');
  for (const v of bss) {
    const hit = globalVariable(btf, v.name, '.bss');
    assert.ok(hit.found && hit.size === v.size && hit.section === '.bss', v.name);
  }
  const uei = globalVariable(btf, 'uei');
  assert.ok(uei.found, 'the user exit info every sched_ext scheduler declares');
  assert.equal(uei.section, '.data');
  assert.equal(btf.sizeOf(uei.type), uei.size);
});
