// `ktstr verifier`'s work on a real kernel: the fixture scheduler loads and every struct_ops
// program its BPF object declares is found in guest memory with the instructions the verifier
// processed; the fixture told to read past a map value is refused, and the verifier's log comes
// back with its loop bodies folded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SCX_KTSTR } from '@ktstr/core';
import { schedulerStructOps } from '../../core/src/verifier/bpf-object.js';
import { collapseVerifierLog } from '../../core/src/verifier/collapse-log.js';
import { formatVerifierResult } from '../../core/src/verifier/report.js';
import { verifyScheduler } from '../../core/src/verifier/verifier-run.js';
import { verifierTopology } from '../../core/src/verifier/schedulers.js';
import { skipReason, testKernel } from './cell-env.js';

const topology = verifierTopology(SCX_KTSTR, '1n1l2c1t');
const cli = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url));
const cliSkip = skipReason || (spawnSync(process.execPath, [cli, 'verifier', '--help']).status === 0 ? false : `${cli} has no verifier command (npm run build)`);

test('every struct_ops program of scx-ktstr is reported with the instructions the verifier processed', { skip: skipReason, timeout: 300_000 }, async () => {
  const r = await verifyScheduler({ kernel: await testKernel(), scheduler: SCX_KTSTR, topology, log: (l) => process.stderr.write(`verifier: ${l}\n`) });
  const text = formatVerifierResult(r);
  process.stderr.write(`${text}\n`);
  assert.equal(r.outcome, 'loaded', text);
  const declared = schedulerStructOps(r.binary).map((p) => p.name).sort();
  assert.equal(declared.length, 9);
  assert.deepEqual([...r.declared].sort(), declared);
  assert.deepEqual(r.programs.map((p) => p.name).sort(), declared, 'each declared program, by its full name');
  assert.deepEqual(r.notLoaded, []);
  for (const p of r.programs) {
    assert.ok(p.verifiedInsns > 0, `${p.name}: verified_insns ${p.verifiedInsns}`);
    assert.ok(p.member !== null && p.name.endsWith(p.member), `${p.name} implements ${p.member}`);
    assert.match(text, new RegExp(`^  ${p.name} +${p.member} +${p.verifiedInsns} `, 'm'));
  }
});

test('a program the verifier refuses comes back as its log, with the loop walked per iteration folded', { skip: skipReason, timeout: 400_000 }, async () => {
  const r = await verifyScheduler({
    kernel: await testKernel(), scheduler: SCX_KTSTR, topology, extraSchedArgs: ['--verifier-reject', '12'],
    log: (l) => process.stderr.write(`verifier: ${l}\n`),
  });
  const text = formatVerifierResult(r);
  const raw = formatVerifierResult(r, { raw: true });
  process.stderr.write(`${text}\n`);
  assert.equal(r.outcome, 'rejected', text);
  assert.deepEqual(r.programs, []);
  const log = r.logs.find((l) => l.program === 'ktstr_init');
  assert.ok(log, `ktstr_init's log among ${r.logs.map((l) => l.program).join(', ')}`);
  assert.ok(log.complete, 'the whole log, END marker included');
  // 8 slots read fine, the 9th is past the value: the loop body repeats 8 times (at least).
  assert.match(log.log, /invalid access to map value, value_size=64 off=64 size=8/);
  const folded = /^(\d+)× the following (\d+) lines/m.exec(collapseVerifierLog(log.log));
  assert.ok(folded && Number(folded[1]) >= 7, `a folded loop body in:\n${text}`);
  assert.match(text, /\d+× the following \d+ lines/);
  assert.match(text, /invalid access to map value/, 'the error itself is kept');
  assert.ok(raw.split('\n').length > text.split('\n').length + 10, '--raw prints every iteration');
  assert.doesNotMatch(raw, /× the following/);
});

test('`ktstr verifier --json` lists every struct_ops program of the schedulers a test file declares; a refusal exits 1 with the folded log', { skip: cliSkip, timeout: 300_000 }, () => {
  // The example declares the fixture with `-v`: found by discovery, loaded with its own arguments.
  const ok = spawnSync(process.execPath, [cli, 'verifier', 'examples/fixture-scheduler.test.ts', '--topology', '1n1l2c1t', '--json'], { encoding: 'utf8', timeout: 240_000 });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, /verifying 1 scheduler\(s\) declared in 1 test file\(s\): scx-ktstr/);
  const results = JSON.parse(ok.stdout) as { outcome: string; args: string[]; declared: string[]; programs: { name: string; verifiedInsns: number }[] }[];
  assert.equal(results.length, 1);
  const [r] = results;
  assert.deepEqual(r!.args, ['-v']);
  assert.equal(r!.outcome, 'loaded');
  assert.deepEqual(r!.programs.map((p) => p.name).sort(), [...r!.declared].sort());
  assert.ok(r!.programs.every((p) => p.verifiedInsns > 0));
  const bad = spawnSync(process.execPath, [cli, 'verifier', '--scheduler', 'scx-ktstr', '--topology', '1n1l2c1t', '--sched-arg=--verifier-reject', '--sched-arg=12'], { encoding: 'utf8', timeout: 240_000 });
  assert.equal(bad.status, 1, bad.stderr);
  assert.match(bad.stdout, /rejected/);
  assert.match(bad.stdout, /\d+× the following \d+ lines/);
  assert.match(bad.stdout, /invalid access to map value/);
});
