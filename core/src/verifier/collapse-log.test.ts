import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collapseVerifierLog, verifierLineKey } from './collapse-log.js';

/** A loop body as the verifier logs it at iteration `i`: the same instructions, new register states. */
const body = (i: number) => [
  `12: (bf) r3 = r1                       ; R1_w=${i * 8} R3_w=${i * 8}`,
  `13: (0f) r3 += r0                      ; R0=map_value(map=reject_probe,ks=4,vs=64) R3_w=map_value(map=reject_probe,ks=4,vs=64,off=${i * 8})`,
  '; sum += *(u64 *)(base + i * sizeof(u64)); @ scx_ktstr.bpf.c:357',
  `14: (79) r3 = *(u64 *)(r3 +0)          ; R3_w=scalar()`,
  `15: (07) r1 += 8                       ; R1_w=${i * 8 + 8}`,
  `16: (2d) if r2 > r1 goto pc-5          ; R1_w=${i * 8 + 8} R2=96`,
];

test('a loop walked once per iteration folds to one body under its count', () => {
  const log = [
    'func#0 @0',
    '0: R1=ctx() R10=fp0',
    ...Array.from({ length: 8 }, (_, i) => body(i)).flat(),
    '12: (bf) r3 = r1                       ; R1_w=64 R3_w=64',
    'invalid access to map value, value_size=64 off=64 size=8',
    'R3 min value is outside of the allowed memory range',
    'processed 61 insns (limit 1000000) max_states_per_insn 0 total_states 3 peak_states 3 mark_read 1',
  ].join('\n');
  const out = collapseVerifierLog(log).split('\n');
  assert.deepEqual(out.slice(0, 3), [
    'func#0 @0',
    '0: R1=ctx() R10=fp0',
    '8× the following 6 lines (register states differ between repetitions; --raw shows each):',
  ]);
  assert.deepEqual(out.slice(3, 9), body(0).map((l) => `  ${l}`), 'the first repetition, indented');
  assert.deepEqual(out.slice(9), [
    '12: (bf) r3 = r1                       ; R1_w=64 R3_w=64',
    'invalid access to map value, value_size=64 off=64 size=8',
    'R3 min value is outside of the allowed memory range',
    'processed 61 insns (limit 1000000) max_states_per_insn 0 total_states 3 peak_states 3 mark_read 1',
  ], 'the error, which does not repeat, is kept as it is');
});

test('identical repetitions say nothing about states; a single repetition is not folded', () => {
  assert.equal(collapseVerifierLog('a\nb\na\nb\na\nb\nc'), '3× the following 2 lines:\n  a\n  b\nc');
  assert.equal(collapseVerifierLog('a\nb\nc\na\nb'), 'a\nb\nc\na\nb');
  assert.equal(collapseVerifierLog('x\nx\n'), '2× the following 1 line:\n  x\n', 'the trailing newline stays');
  assert.equal(collapseVerifierLog('a\nb\na\nb', { minRepeats: 3 }), 'a\nb\na\nb');
});

test('nested loops fold inside the outer body', () => {
  const inner = ['i1', 'i1', 'i1'];
  const outer = ['o1', ...inner, 'o2'];
  const out = collapseVerifierLog([...outer, ...outer, 'end'].join('\n'));
  assert.equal(out, ['2× the following 5 lines:', '  o1', '  3× the following 1 line:', '    i1', '  o2', 'end'].join('\n'));
});

test('the key of a line is its instruction, without the state after ";"', () => {
  assert.equal(verifierLineKey('15: (07) r1 += 8                       ; R1_w=16'), '15: (07) r1 += 8');
  assert.equal(verifierLineKey('from 16 to 12: R0=map_value(map=x) R1=8'), 'from 16 to 12:');
  assert.equal(verifierLineKey('12: R1=8 R10=fp0'), '12:');
  assert.equal(verifierLineKey('; for (i = 0; i < n; i++) @ x.c:3'), '; for (i = 0; i < n; i++) @ x.c:3');
});

test('a long log without repetition is kept line for line, quickly', () => {
  const log = Array.from({ length: 50_000 }, (_, i) => `${i}: (b7) r0 = ${i}`).join('\n');
  const t0 = performance.now();
  assert.equal(collapseVerifierLog(log), log);
  assert.ok(performance.now() - t0 < 5000);
});
