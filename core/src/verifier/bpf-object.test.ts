import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddedBpfObjects, schedulerStructOps, structOpsPrograms } from './bpf-object.js';

const outDir = process.env.KTSTR_NATIVE_OUT ?? fileURLToPath(new URL('../../../native/out', import.meta.url));
const loader = join(outDir, 'scx-ktstr');
const object = join(outDir, 'scheduler-obj', 'scx_ktstr.linked.o');
const skip = existsSync(loader) && existsSync(object) ? false : 'the fixture scheduler is not built (npm run bootstrap)';

const OPS = ['ktstr_select_cpu', 'ktstr_enqueue', 'ktstr_dispatch', 'ktstr_running', 'ktstr_stopping', 'ktstr_enable', 'ktstr_init', 'ktstr_dump', 'ktstr_exit'];

test('the fixture\'s loader carries its BPF object, whose struct_ops programs are found by section', { skip }, () => {
  const fromLoader = schedulerStructOps(loader);
  assert.deepEqual(fromLoader.map((p) => p.name).sort(), [...OPS].sort());
  assert.equal(fromLoader.find((p) => p.name === 'ktstr_init')?.section, 'struct_ops.s/ktstr_init', 'sleepable ops are in struct_ops.s/');
  // The embedded bytes are the linked object the build left beside it.
  const [embedded] = embeddedBpfObjects(readFileSync(loader));
  assert.deepEqual(structOpsPrograms(embedded!), structOpsPrograms(readFileSync(object)));
});

test('a file with no BPF object has no programs', () => {
  assert.deepEqual(embeddedBpfObjects(Buffer.from('\x7fELF not bpf')), []);
  assert.deepEqual(embeddedBpfObjects(readFileSync(process.execPath).subarray(0, 1 << 16)), [], 'node is x86-64, not BPF');
});
