import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCX_KTSTR } from '../fixture.js';
import { declareScheduler } from '../api/declare-scheduler.js';
import type { DeclaredTest } from '../gauntlet/plan.js';
import { declaredSchedulers, verifierSchedulers, verifierTopology } from './schedulers.js';

test('the fixture by default, named schedulers otherwise; the kernel\'s own is refused with why', () => {
  assert.deepEqual(verifierSchedulers([]), [SCX_KTSTR]);
  const [fixture, path] = verifierSchedulers(['scx-ktstr', './out/scx_simple']);
  assert.equal(fixture, SCX_KTSTR);
  assert.equal(path!.name, 'scx_simple');
  assert.throws(() => verifierSchedulers(['eevdf']), /no BPF programs to verify/);
  assert.throws(() => verifierSchedulers(['simple']), /not eevdf, scx-ktstr or a path/);
});

test('the topology asked for, else the scheduler\'s own, else 1n2l2c1t', () => {
  assert.deepEqual(verifierTopology(SCX_KTSTR, '1n1l2c1t'), { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 });
  assert.deepEqual(verifierTopology(SCX_KTSTR, undefined), SCX_KTSTR.topology);
  const [bare] = verifierSchedulers(['./scx_simple']);
  assert.deepEqual(verifierTopology(bare!, undefined), { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 });
});

test('declared schedulers: each distinct binary, arguments and config once, in the order the tests declare them', () => {
  const simple = declareScheduler({ name: 'simple', binary: '/opt/scx_simple', schedArgs: ['-v'] });
  const simpleQuiet = declareScheduler({ name: 'simple', binary: '/opt/scx_simple' });
  const topo = { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 };
  const t = (name: string, schedulerDecl?: DeclaredTest['schedulerDecl']): DeclaredTest => ({
    name, durationMs: 1000, scheduler: { name: schedulerDecl?.name ?? 'eevdf', topology: topo }, ...(schedulerDecl ? { schedulerDecl } : {}),
  });
  // What a discovery child hands back has been through JSON: compare by content, not identity.
  const viaJson = JSON.parse(JSON.stringify([t('a', simple), t('baseline'), t('b', SCX_KTSTR), t('c', simple), t('d', simpleQuiet)])) as DeclaredTest[];
  assert.deepEqual(declaredSchedulers(viaJson).map((d) => [d.name, d.schedArgs]), [['simple', ['-v']], ['scx-ktstr', SCX_KTSTR.schedArgs], ['simple', []]]);
  assert.deepEqual(declaredSchedulers([t('baseline')]), []);
});
