import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FOUR_GIB, parseIomem, q35Below4g, q35RamLayout, uncoveredSystemRam } from './ram-layout.js';

const MiB = 1n << 20n;
const GiB = 1n << 30n;

test('one 512 MiB node: guest-physical = file offset, minus the legacy VGA/ROM window', () => {
  const layout = q35RamLayout([{ node: 0, file: '/dev/shm/n0', bytes: 512n * MiB }]);
  assert.deepEqual(layout.regions.map((r) => [r.start, r.end, r.fileOffset]), [
    [0n, 0xa0000n, 0n],
    [0x100000n, 512n * MiB, 0x100000n],
  ]);
  assert.equal(layout.locate(0x1000000n)?.fileOffset, 0x1000000n);
  assert.equal(layout.locate(0xb8000n), undefined, 'VGA text memory is not RAM');
  assert.equal(layout.locate(512n * MiB), undefined, 'one past the end');
  assert.equal(layout.totalBytes, 512n * MiB - 0x60000n);
});

test('q35 keeps 2.75 GiB below 4 GiB, or 2 GiB once the RAM reaches 2.75 GiB', () => {
  assert.equal(q35Below4g(2n * GiB), 2n * GiB);
  assert.equal(q35Below4g(0xb0000000n - MiB), 0xb0000000n - MiB);
  assert.equal(q35Below4g(0xb0000000n), 2n * GiB);
  assert.equal(q35Below4g(8n * GiB), 2n * GiB);
});

test('two nodes of 1.5 GiB: node 1 is split across the 4 GiB boundary, each part at its file offset', () => {
  const layout = q35RamLayout([
    { node: 1, file: 'n1', bytes: 1536n * MiB },
    { node: 0, file: 'n0', bytes: 1536n * MiB },
  ]);
  const parts = layout.regions.map((r) => `${r.file} ${r.start.toString(16)}-${r.end.toString(16)} @${r.fileOffset.toString(16)}`);
  assert.deepEqual(parts, [
    'n0 0-a0000 @0',
    'n0 100000-60000000 @100000',
    'n1 60000000-80000000 @0',
    'n1 100000000-140000000 @20000000',
  ]);
  const hi = layout.locate(FOUR_GIB + 0x1234n)!;
  assert.equal(hi.region.node, 1);
  assert.equal(hi.fileOffset, 0x20001234n);
  assert.equal(layout.locate(0x90000000n), undefined, 'the PCI hole');
});

const IOMEM = `00000000-00000fff : Reserved
00001000-0009fbff : System RAM
0009fc00-0009ffff : Reserved
000f0000-000fffff : Reserved
00100000-1ffdffff : System RAM
  01000000-01ffffff : Kernel code
  02000000-0260ffff : Kernel rodata
1ffe0000-1fffffff : Reserved
b0000000-bfffffff : PCI MMCONFIG 0000 [bus 00-ff]
`;

test('/proc/iomem: System RAM ranges lie in the layout, a range past it is reported', () => {
  const iomem = parseIomem(IOMEM);
  assert.deepEqual(iomem.find((r) => r.name === 'Kernel code'), { start: 0x1000000n, end: 0x1ffffffn, name: 'Kernel code', depth: 1 });
  const layout = q35RamLayout([{ node: 0, file: 'n0', bytes: 512n * MiB }]);
  assert.deepEqual(uncoveredSystemRam(layout, iomem), []);
  const small = q35RamLayout([{ node: 0, file: 'n0', bytes: 256n * MiB }]);
  assert.match(uncoveredSystemRam(small, iomem)[0]!, /System RAM 0x100000-0x1ffdffff: 0x10000000 is in no RAM file/);
});
