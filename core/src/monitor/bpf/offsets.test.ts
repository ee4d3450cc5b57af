/**
 * The BPF walks' offsets from a real kernel's BTF (the cached vmlinux; skipped, with the reason,
 * when none is cached), and from a BTF that lacks the structs: every missing field is named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findCachedKernel } from '../../kernel/kernel-cache.js';
import { BtfError } from '../btf/btf-error.js';
import { BtfWriter } from '../btf/btf-writer.js';
import { readElfBtf } from '../btf/load.js';
import { parseBtf } from '../btf/parse.js';
import { Unavailable } from '../unavailable.js';
import { bpfOffsets } from './offsets.js';

const kernel = findCachedKernel();
const skip = kernel === undefined ? 'no kernel is cached (run `ktstr setup`)' : false;

test('the cached kernel\'s BTF has every field the BPF walks read, and bpftool\'s type names', { skip }, () => {
  const btf = readElfBtf(kernel!.vmlinux);
  if (btf instanceof BtfError) throw btf;
  const o = bpfOffsets(btf);
  assert.ok(!(o instanceof Unavailable), String(o));
  assert.equal(o.map.nameLen, 16);
  assert.equal(o.aux.nameLen, 16);
  assert.equal(o.xarray.xaHead, 8n, 'x86-64: xa_head after the lock and flags');
  assert.ok(o.htab.bucketSize >= 8n);
  assert.equal(o.mapTypes.get(2), 'array');
  assert.equal(o.mapTypes.get(6), 'percpu_array');
  assert.equal(o.mapTypes.get(1), 'hash');
  assert.equal(o.progTypes.get(27), 'struct_ops');
});

test('a BTF without the BPF structs is Unavailable naming each missing one', () => {
  const w = new BtfWriter();
  const u32 = w.int('unsigned int', 4);
  w.struct('bpf_map', 8, [{ name: 'map_type', type: u32, bitsOffset: 0 }]);
  const btf = parseBtf(w.build());
  if (btf instanceof BtfError) throw btf;
  const o = bpfOffsets(btf);
  assert.ok(o instanceof Unavailable);
  assert.match(o.unavailable, /bpf_map\.key_size \(no member key_size in struct bpf_map\)/);
  assert.match(o.unavailable, /no struct or union named 'bpf_prog_aux'/);
  assert.match(o.unavailable, /enum bpf_map_type/);
  assert.doesNotMatch(o.unavailable, /bpf_map\.map_type/, 'what is there is not listed');
});
