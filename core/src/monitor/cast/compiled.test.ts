/**
 * The cast analysis on clang's own output: testdata/kptr-in-u64.bpf.c compiled the way the
 * fixture scheduler is (clang -target bpf against the kernel's vmlinux.h and the toolchain's
 * libbpf headers) and linked by bpftool, as a skeleton embeds it. Hand-assembled programs show
 * the rules; this shows they meet the instruction shapes a real compiler emits. Skipped, with
 * the reason printed, without clang, the toolchain or the fixture's vmlinux.h.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedBpftool } from '../btf/bpftool-raw.js';
import { BtfError } from '../btf/btf-error.js';
import { analyzeBpfObject } from './analyze.js';

const source = fileURLToPath(new URL('./testdata/kptr-in-u64.bpf.c', import.meta.url));
const outDir = process.env.KTSTR_NATIVE_OUT ?? fileURLToPath(new URL('../../../../native/out', import.meta.url));
const vmlinuxH = join(outDir, 'scheduler-obj', 'vmlinux.h');
const clang = process.env.CLANG ?? 'clang-19';
const bpftool = cachedBpftool(undefined);
const libbpfInclude = bpftool === undefined ? undefined : join(dirname(dirname(bpftool)), 'libbpf', 'include');

function hasClang(): boolean {
  try {
    execFileSync(clang, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skip = !existsSync(vmlinuxH)
  ? `${vmlinuxH} is not built (npm run bootstrap)`
  : bpftool === undefined || !existsSync(libbpfInclude!)
    ? 'no toolchain bpftool and libbpf headers are cached'
    : !hasClang()
      ? `${clang} is not installed`
      : false;
if (skip) console.log(`skipping the compiled cast analysis: ${skip}`);

test('a task_struct * kept in a u64 by clang-compiled programs is found; its neighbours are not', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-cast-'));
  try {
    const obj = join(dir, 'kptr.bpf.o');
    const linked = join(dir, 'kptr.linked.o');
    execFileSync(clang, ['-target', 'bpf', '-O2', '-g', '-mcpu=v3', '-D__TARGET_ARCH_x86', '-w', `-I${dirname(vmlinuxH)}`, `-I${libbpfInclude}`, '-c', source, '-o', obj]);
    execFileSync(bpftool!, ['gen', 'object', linked, obj]);
    for (const file of [linked, obj]) {
      const r = analyzeBpfObject(readFileSync(file), file);
      if (r instanceof BtfError) throw r;
      assert.deepEqual([...r.casts.keys()], ['tctx+0'], file);
      const c = r.casts.get('tctx+0')!;
      assert.equal(c.kind, 'kernel');
      assert.equal(c.targetName, 'task_struct');
      assert.deepEqual(c.evidence.map((e) => e.prog).sort(), ['load', 'store'], 'the store and the release both prove it');
      assert.ok(r.conflicts.some((x) => x.key === 'tctx+8'), 'cnt++ is a number');
    }
    // Only the linked object has real global offsets: its counter is seen as a number too.
    const r = analyzeBpfObject(readFileSync(linked)) as Exclude<ReturnType<typeof analyzeBpfObject>, BtfError>;
    assert.ok(r.conflicts.some((x) => x.key === '.bss+0'), 'counter');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
