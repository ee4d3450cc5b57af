import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelArgs, qemuArgs, type MachineSpec } from './qemu-args.js';
import { AARCH64_CPU_MODEL } from './qemu-args-aarch64.js';

const base: Omit<MachineSpec, 'topology'> = {
  arch: 'aarch64',
  memoryMiB: 512,
  accel: 'tcg',
  kernel: '/k/vmlinuz',
  initrd: '/tmp/i.img',
  ramPathPrefix: '/dev/shm/ktstr-ram-1-1',
  consoleLog: '/tmp/c.log',
  channelSocket: '/tmp/k.sock',
  qmpSocket: '/tmp/q.sock',
};

const values = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));

test('aarch64, one node: the virt board with a GICv3, LLCs as clusters, RAM in one shared file', () => {
  const a = qemuArgs({ ...base, topology: { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 } });
  assert.deepEqual(values(a, '-machine'), ['virt,gic-version=3,memory-backend=ram-node0']);
  assert.deepEqual(values(a, '-cpu'), [AARCH64_CPU_MODEL]);
  assert.deepEqual(values(a, '-smp'), ['cpus=4,sockets=1,clusters=2,cores=2,threads=1']);
  assert.deepEqual(values(a, '-object'), ['memory-backend-file,id=ram-node0,size=512M,mem-path=/dev/shm/ktstr-ram-1-1-node0,share=on']);
  assert.deepEqual(values(a, '-numa'), []);
  assert.ok(!a.some((x) => x.includes('dies=')), 'dies are an x86 notion');
  assert.match(values(a, '-append')[0]!, /(^| )console=ttyAMA0( |$)/);
  assert.doesNotMatch(values(a, '-append')[0]!, /ttyS0/);
  assert.ok(values(a, '-device').includes('virtio-serial-pci,id=vser0'));
});

test('aarch64, two nodes: a socket and a RAM file per node, SLIT distances, and no HMAT (the device tree has none)', () => {
  const a = qemuArgs({ ...base, topology: { numaNodes: 2, llcs: 4, coresPerLlc: 2, threadsPerCore: 1 } });
  assert.deepEqual(values(a, '-machine'), ['virt,gic-version=3']);
  assert.deepEqual(values(a, '-smp'), ['cpus=8,sockets=2,clusters=2,cores=2,threads=1']);
  assert.deepEqual(values(a, '-numa'), [
    'node,nodeid=0,memdev=ram-node0', 'cpu,node-id=0,socket-id=0',
    'node,nodeid=1,memdev=ram-node1', 'cpu,node-id=1,socket-id=1',
    'dist,src=0,dst=1,val=20', 'dist,src=1,dst=0,val=20',
  ]);
  assert.ok(!a.some((x) => x.includes('hmat')));
});

test('the console argument follows the architecture; kaslr and extra arguments apply to both', () => {
  assert.ok(kernelArgs({}).includes('console=ttyS0'));
  const arm = kernelArgs({ arch: 'aarch64', kaslr: true, cmdline: ['quiet'] });
  assert.ok(arm.includes('console=ttyAMA0') && !arm.includes('console=ttyS0'));
  assert.ok(!arm.includes('nokaslr'));
  assert.equal(arm.at(-1), 'quiet');
});
