import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GUEST_CPU_MODEL, qemuArgs, type MachineSpec } from './qemu-args.js';

const base: Omit<MachineSpec, 'topology'> = {
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

test('one node: sockets/dies/cores/threads from the topology, RAM in one shared file', () => {
  const a = qemuArgs({ ...base, topology: { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 } });
  assert.deepEqual(values(a, '-smp'), ['cpus=4,sockets=1,dies=2,cores=2,threads=1']);
  assert.deepEqual(values(a, '-object'), ['memory-backend-file,id=ram-node0,size=512M,mem-path=/dev/shm/ktstr-ram-1-1-node0,share=on']);
  assert.deepEqual(values(a, '-machine'), ['q35,memory-backend=ram-node0']);
  assert.deepEqual(values(a, '-numa'), []);
  assert.deepEqual(values(a, '-accel'), ['tcg,thread=single']);
  assert.match(values(a, '-cpu')[0]!, /^Skylake-Server/); // Intel vendor: one L3 per die
  assert.ok(values(a, '-device').includes('virtserialport,bus=vser0.0,chardev=ktstr0,name=ktstr.0'));
});

test('two nodes: one socket and one RAM file per node, symmetric distances, HMAT from the distances', () => {
  const a = qemuArgs({ ...base, accel: 'kvm', topology: { numaNodes: 2, llcs: 4, coresPerLlc: 2, threadsPerCore: 2 } });
  assert.deepEqual(values(a, '-smp'), ['cpus=16,sockets=2,dies=2,cores=2,threads=2']);
  assert.deepEqual(values(a, '-m'), ['512M']);
  assert.deepEqual(values(a, '-machine'), ['q35,hmat=on']);
  assert.equal(values(a, '-object').length, 2);
  assert.match(values(a, '-object')[1]!, /id=ram-node1,size=256M,mem-path=\/dev\/shm\/ktstr-ram-1-1-node1,share=on/);
  const lb = (i: number, t: number) => `hmat-lb,initiator=${i},target=${t},hierarchy=memory`;
  assert.deepEqual(values(a, '-numa'), [
    'node,nodeid=0,memdev=ram-node0,initiator=0', 'cpu,node-id=0,socket-id=0',
    'node,nodeid=1,memdev=ram-node1,initiator=1', 'cpu,node-id=1,socket-id=1',
    'dist,src=0,dst=1,val=20', 'dist,src=1,dst=0,val=20',
    // latency 10 ns per unit of distance; bandwidth 10 GiB/s scaled by 10/distance.
    `${lb(0, 0)},data-type=access-latency,latency=100`, `${lb(0, 0)},data-type=access-bandwidth,bandwidth=10240M`,
    `${lb(0, 1)},data-type=access-latency,latency=200`, `${lb(0, 1)},data-type=access-bandwidth,bandwidth=5120M`,
    `${lb(1, 0)},data-type=access-latency,latency=200`, `${lb(1, 0)},data-type=access-bandwidth,bandwidth=5120M`,
    `${lb(1, 1)},data-type=access-latency,latency=100`, `${lb(1, 1)},data-type=access-bandwidth,bandwidth=10240M`,
  ]);
  assert.deepEqual(values(a, '-accel'), ['kvm']);
});

test('HMAT covers every initiator/target pair and follows a custom remote distance', () => {
  const a = qemuArgs({ ...base, remoteDistance: 40, topology: { numaNodes: 4, llcs: 8, coresPerLlc: 1, threadsPerCore: 1 } });
  const lbs = values(a, '-numa').filter((v) => v.startsWith('hmat-lb,'));
  assert.equal(lbs.length, 4 * 4 * 2);
  assert.ok(lbs.includes('hmat-lb,initiator=3,target=0,hierarchy=memory,data-type=access-latency,latency=400'));
  assert.ok(lbs.includes('hmat-lb,initiator=3,target=0,hierarchy=memory,data-type=access-bandwidth,bandwidth=2560M'));
  assert.ok(values(a, '-numa').includes('dist,src=3,dst=0,val=40'));
  assert.equal(values(a, '-numa').filter((v) => /^node,.*,initiator=(\d)$/.test(v)).length, 4);
});

test('the kernel command line makes the agent PID 1 and keeps addresses fixed', () => {
  const a = qemuArgs({ ...base, cmdline: ['quiet'], topology: { numaNodes: 1, llcs: 1, coresPerLlc: 1, threadsPerCore: 1 } });
  const append = values(a, '-append')[0]!.split(' ');
  for (const want of ['console=ttyS0', 'rdinit=/init', 'nokaslr', 'panic=-1', 'quiet']) assert.ok(append.includes(want), want);
});

test('kaslr: true boots with KASLR: nokaslr is dropped, the rest of the command line stays', () => {
  const a = qemuArgs({ ...base, kaslr: true, cmdline: ['quiet'], topology: { numaNodes: 1, llcs: 1, coresPerLlc: 1, threadsPerCore: 1 } });
  const append = values(a, '-append')[0]!.split(' ');
  assert.ok(!append.includes('nokaslr'));
  for (const want of ['console=ttyS0', 'rdinit=/init', 'panic=-1', 'quiet']) assert.ok(append.includes(want), want);
});

test('la57: true offers the vCPUs 5-level paging on the same CPU model', () => {
  const a = qemuArgs({ ...base, la57: true, topology: { numaNodes: 1, llcs: 1, coresPerLlc: 1, threadsPerCore: 1 } });
  assert.equal(values(a, '-cpu')[0], `${GUEST_CPU_MODEL},+la57`);
});
